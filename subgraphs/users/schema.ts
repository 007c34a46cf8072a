import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { buildFederatedSchema } from '../../platform/federation.js';
import { usersEntities } from './entities/index.js';
import { usersMigrations } from './migrations/index.js';
import { AuthResolver } from './resolvers/auth-resolver.js';
import { UserResolver } from './resolvers/user-resolver.js';
import { userReferenceResolvers } from './resolvers/user-reference.js';
import { createUsersServices, type UsersServices } from './services/index.js';
import { startPrivacy } from './privacy/index.js';
import { AuditResolver } from './privacy/audit-resolver.js';
import { ConsentResolver } from './privacy/consent-resolver.js';
import { ErasureResolver } from './privacy/erasure-resolver.js';

export function buildUsersSchema() {
  return buildFederatedSchema({
    resolvers: [UserResolver, AuthResolver, ConsentResolver, AuditResolver, ErasureResolver],
    referenceResolvers: userReferenceResolvers,
  });
}

export const usersSubgraph: SubgraphModule<UsersServices> = {
  name: 'users',
  entities: usersEntities,
  migrations: usersMigrations,
  buildSchema: buildUsersSchema,
  createServices: createUsersServices,
  async startConsumers({ bus, logger }, services) {
    const stopDecisions = await services.enforcement.startConsumer(bus, logger);
    services.suspensions.start();
    const stopPrivacy = await startPrivacy(bus, logger, services.privacy);
    return async () => {
      await stopPrivacy();
      await services.suspensions.stop();
      await stopDecisions();
    };
  },
};
