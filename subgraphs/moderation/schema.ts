import 'reflect-metadata';
import { startModerationErasure } from './privacy/erasure-handler.js';
import { startModerationExport } from './privacy/export-handler.js';
import { buildFederatedSchema } from '../../platform/federation.js';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { moderationEntities } from './entities/index.js';
import { moderationMigrations } from './migrations/index.js';
import {
  AppealResolver,
  CaseEventResolver,
  ModerationCaseResolver,
  ModeratorNoteResolver,
} from './resolvers/case-resolver.js';
import {
  CompanionModerationResolver,
  MessageModerationResolver,
  UserModerationResolver,
} from './resolvers/content-resolvers.js';
import { DecisionResolver } from './resolvers/decision-resolver.js';
import { QueueEventResolver } from './resolvers/queue-resolver.js';
import { moderationReferenceResolvers } from './resolvers/references.js';
import { CompanionRef, MessageRef } from './resolvers/types.js';
import { createModerationServices, type ModerationServices } from './services/index.js';
import { parseClassifierSettings } from './services/classifiers/index.js';
import { loadModerationSettings } from './settings.js';

export function buildModerationSchema() {
  return buildFederatedSchema({
    resolvers: [
      ModerationCaseResolver,
      ModeratorNoteResolver,
      CaseEventResolver,
      AppealResolver,
      DecisionResolver,
      MessageModerationResolver,
      CompanionModerationResolver,
      UserModerationResolver,
      QueueEventResolver,
    ],
    // Extended entities no field of this subgraph returns: listed, or type-graphql leaves them out.
    orphanedTypes: [MessageRef, CompanionRef],
    referenceResolvers: moderationReferenceResolvers,
  });
}

export const moderationSubgraph: SubgraphModule<ModerationServices> = {
  name: 'moderation',
  entities: moderationEntities,
  migrations: moderationMigrations,
  buildSchema: buildModerationSchema,
  checkSettings(env) {
    loadModerationSettings(env);
    parseClassifierSettings(env);
  },
  createServices: createModerationServices,
  async startConsumers({ orm, bus, logger, outbox }, services) {
    const stopErasure = await startModerationErasure(orm, outbox, bus, logger);
    const stopExport = await startModerationExport(orm, bus, logger);
    const stopRoles = await services.roles.startConsumer(orm, bus, logger);
    const stopIntake = await services.intake.startConsumer(bus);
    return async () => {
      await Promise.all([stopRoles(), stopIntake(), stopErasure(), stopExport()]);
    };
  },
};
