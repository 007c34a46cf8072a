import { createPasswordHasher } from '../../../platform/auth/password.js';
import { createTokenIssuer } from '../../../platform/auth/jwt.js';
import { Revocations } from '../../../platform/auth/revocation.js';
import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import { AccountService } from './account-service.js';
import { SessionService } from './session-service.js';

export interface UsersServices {
  accounts: AccountService;
  sessions: SessionService;
}

export type UsersContext = SubgraphContext<UsersServices>;

export function createUsersServices({ config, state, outbox }: ServiceDeps): UsersServices {
  const tokens = createTokenIssuer({
    secret: config.jwtSecret,
    issuer: config.JWT_ISSUER,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const revocations = new Revocations(state.kv, config.ACCESS_TOKEN_TTL_SECONDS, state.pubsub);
  const passwords = createPasswordHasher({
    memoryKiB: config.PASSWORD_MEMORY_KIB,
    iterations: config.PASSWORD_ITERATIONS,
  });
  const sessions = new SessionService({
    tokens,
    revocations,
    outbox,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const accounts = new AccountService({ passwords, sessions, revocations, outbox });
  return { accounts, sessions };
}
