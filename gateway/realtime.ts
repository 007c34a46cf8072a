import type { ApolloServer } from '@apollo/server';
import type { AccessTokenIssuer } from '../platform/auth/jwt.js';
import type { Revocations } from '../platform/auth/revocation.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { RateLimiter, SharedState } from '../platform/state/shared-state.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import type { GatewayContext } from './gateway-context.js';
import { httpSubscriptions } from './http-subscriptions.js';
import { createOperationGuard } from './operation-guard.js';
import { SessionWatch } from './session-watch.js';
import { SubscriptionCaps } from './subscription-caps.js';
import { executeOverWebSocket } from './websocket-execution.js';

/**
 * The gateway's long-lived transports wired together: graphql-ws options, the HTTP
 * streaming hook (SSE, multipart) and what they share — the per-operation guard, the
 * session watch (revocations pushed over shared pub/sub, expiry timers) and the caps.
 */
export async function createRealtime(deps: {
  config: Config;
  state: SharedState;
  logger: Logger;
  apollo: ApolloServer<GatewayContext>;
  subscriptions: FederatedSubscriptions;
  tokens: AccessTokenIssuer;
  revocations: Revocations;
  apiLimiter: RateLimiter;
}) {
  const { config, state, logger, apollo, subscriptions } = deps;
  const shared = {
    guard: createOperationGuard(deps),
    watch: await SessionWatch.start(state.pubsub, logger, deps.revocations),
    caps: new SubscriptionCaps(state.kv, {
      perConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      perUser: config.MAX_SUBSCRIPTIONS_PER_USER,
      logger,
    }),
    limits: { maxQueryCost: config.MAX_QUERY_COST, hideSchemaDetails: config.production },
    trustProxy: config.TRUST_PROXY,
    apollo,
    subscriptions,
    logger,
  };
  const http = httpSubscriptions({
    ...shared,
    maxBodyBytes: config.MAX_BODY_BYTES,
    heartbeatMs: config.SUBSCRIPTION_HEARTBEAT_MS,
  });
  return {
    /** For useServer (graphql-ws). */
    websocket: executeOverWebSocket(shared),
    /** For the HTTP server's `intercept`: SSE and multipart subscriptions on /graphql. */
    intercept: http.intercept,
    async stop(): Promise<void> {
      http.stop();
      shared.caps.stop();
      await shared.watch.stop();
    },
  };
}
