import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/server/subgraph-server.js';
import { buildFederatedSchema } from '../../platform/federation.js';
import { BillingResolver } from './billing/billing-resolver.js';
import { loadBillingSettings } from './billing/settings.js';
import { stripeWebhookRoute, WEBHOOK_PATH } from './billing/webhook-route.js';
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
import { ExportResolver } from './privacy/export-resolver.js';
import { EXPORTS_PATH, exportDownloadRoute } from './privacy/export-route.js';

export function buildUsersSchema() {
  return buildFederatedSchema({
    resolvers: [
      UserResolver,
      AuthResolver,
      ConsentResolver,
      AuditResolver,
      ErasureResolver,
      ExportResolver,
      BillingResolver,
    ],
    referenceResolvers: userReferenceResolvers,
  });
}

export const usersSubgraph: SubgraphModule<UsersServices> = {
  name: 'users',
  entities: usersEntities,
  migrations: usersMigrations,
  buildSchema: buildUsersSchema,
  checkSettings: (env) => void loadBillingSettings(env),
  createServices: createUsersServices,
  routes: ({ config, state, logger }, services) => {
    const settings = loadBillingSettings(process.env);
    return {
      [WEBHOOK_PATH]: stripeWebhookRoute({
        webhooks: services.billingWebhooks,
        secret: settings?.webhookSecret ?? null,
        limiter: state.rateLimiter('stripe-webhooks', settings?.webhookPerSecond ?? 50),
        trustProxy: config.TRUST_PROXY,
        metrics: services.billingMetrics,
        logger,
        audit: services.privacy.audit,
      }),
      [`${EXPORTS_PATH}*`]: exportDownloadRoute({ exports: services.privacy.exports, logger }),
    };
  },
  async startConsumers({ orm, bus, logger }, services) {
    const stopDecisions = await services.enforcement.startConsumer(bus, logger);
    services.suspensions.start();
    const stopPrivacy = await startPrivacy(orm, bus, logger, services.privacy);
    return async () => {
      await stopPrivacy();
      await services.suspensions.stop();
      await stopDecisions();
    };
  },
};
