import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { buildFederatedSchema } from '../../platform/federation.js';
import { usersEntities } from './entities/index.js';
import { usersMigrations } from './migrations/index.js';
import { AuthResolver } from './resolvers/auth-resolver.js';
import { UserResolver } from './resolvers/user-resolver.js';
import { userReferenceResolvers } from './resolvers/user-reference.js';
import { createUsersServices, type UsersServices } from './services/index.js';

export function buildUsersSchema() {
  return buildFederatedSchema({
    resolvers: [UserResolver, AuthResolver],
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
    return async () => {
      await services.suspensions.stop();
      await stopDecisions();
    };
  },
};
