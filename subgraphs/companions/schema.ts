import 'reflect-metadata';
import { startCompanionsErasure } from './privacy/erasure-handler.js';
import { startCompanionsExport } from './privacy/export-handler.js';
import { buildFederatedSchema } from '../../platform/federation.js';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { companionsEntities } from './entities/index.js';
import { companionsMigrations } from './migrations/index.js';
import { CompanionResolver } from './resolvers/companion-resolver.js';
import { ConversationResolver } from './resolvers/conversation-resolver.js';
import { MessageResolver, ReplyChunkResolver } from './resolvers/message-resolver.js';
import { companionsReferenceResolvers } from './resolvers/references.js';
import { UserCompanionsResolver } from './resolvers/user-resolver.js';
import { UserUsageResolver } from './resolvers/entitlement-resolver.js';
import { loadPlanTable } from '../../platform/plans.js';
import { createCompanionsServices, type CompanionsServices } from './services/index.js';
import { readThresholds } from '../../platform/content-safety/thresholds.js';

export function buildCompanionsSchema() {
  return buildFederatedSchema({
    resolvers: [
      CompanionResolver,
      ConversationResolver,
      MessageResolver,
      ReplyChunkResolver,
      UserCompanionsResolver,
      UserUsageResolver,
    ],
    referenceResolvers: companionsReferenceResolvers,
  });
}

export const companionsSubgraph: SubgraphModule<CompanionsServices> = {
  name: 'companions',
  entities: companionsEntities,
  migrations: companionsMigrations,
  buildSchema: buildCompanionsSchema,
  checkSettings: (env) => {
    readThresholds(env);
    loadPlanTable(env);
  },
  createServices: createCompanionsServices,
  async startConsumers({ orm, bus, logger, outbox }, services) {
    const stopErasure = await startCompanionsErasure(orm, outbox, bus, logger);
    const stopExport = await startCompanionsExport(orm, bus, logger);
    const stopStatuses = await services.statuses.startConsumer(orm, bus, logger);
    const stopPlans = await services.entitlements.startConsumer(orm, bus, logger);
    const stopEnforcement = await services.enforcement.startConsumer(orm, bus);
    const stopCancels = await services.chat.startCancelListener();
    services.progress.start();
    services.sweeper.start();
    return async () => {
      await services.sweeper.stop();
      await services.chat.stop();
      await services.progress.stop();
      await Promise.all([stopStatuses(), stopPlans(), stopEnforcement(), stopCancels(), stopErasure(), stopExport()]);
    };
  },
};
