import { createPasswordHasher } from '../../../platform/auth/password.js';
import { createTokenIssuer } from '../../../platform/auth/jwt.js';
import { Revocations } from '../../../platform/auth/revocation.js';
import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import {
  BillingService,
  createBillingMetrics,
  type BillingMetrics,
  createStripeClient,
} from '../billing/billing-service.js';
import { BillingWebhooks } from '../billing/billing-webhooks.js';
import { CustomerDeletions } from '../billing/customer-deletions.js';
import { loadBillingSettings } from '../billing/settings.js';
import { createPrivacyServices, type PrivacyServices } from '../privacy/index.js';
import { AccountService } from './account-service.js';
import { ModerationEnforcement } from './moderation-enforcement.js';
import { SessionService } from './session-service.js';
import { StatusChanges } from './status-changes.js';
import { SuspensionSweeper } from './suspension-sweeper.js';

export interface UsersServices {
  accounts: AccountService;
  sessions: SessionService;
  enforcement: ModerationEnforcement;
  suspensions: SuspensionSweeper;
  billing: BillingService;
  /** null when billing is off. */
  billingWebhooks: BillingWebhooks | null;
  billingMetrics: BillingMetrics;
  privacy: PrivacyServices;
}

export type UsersContext = SubgraphContext<UsersServices>;

/** How often expired suspensions are looked for (sign-in also checks, so this only bounds the event's delay). */
const SUSPENSION_SWEEP_INTERVAL_MS = 1000;

export function createUsersServices({ config, state, outbox, orm, logger, metrics }: ServiceDeps): UsersServices {
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
  const suspensions = new SuspensionSweeper({ orm, outbox, logger, intervalMs: SUSPENSION_SWEEP_INTERVAL_MS });
  const sessions = new SessionService({
    tokens,
    revocations,
    outbox,
    suspensions,
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  const statuses = new StatusChanges({ sessions, revocations, outbox });
  const privacy = createPrivacyServices({
    orm,
    outbox,
    logger,
    passwords,
    sessions,
    statuses,
    kv: state.kv,
    gatewaySecret: config.gatewaySecret,
  });
  const accounts = new AccountService({ passwords, sessions, statuses, suspensions, outbox, privacy });
  const enforcement = new ModerationEnforcement({ orm, statuses });
  const billingSettings = loadBillingSettings(process.env);
  const stripe = billingSettings ? createStripeClient(billingSettings) : null;
  const billingMetrics = createBillingMetrics(metrics.registry);
  const billing = new BillingService({ settings: billingSettings, stripe, orm, logger, metrics: billingMetrics });
  const billingWebhooks =
    billingSettings && stripe
      ? new BillingWebhooks({ settings: billingSettings, stripe, orm, outbox, logger, metrics: billingMetrics })
      : null;
  // An erased account's Stripe customer goes too (payment records stay with Stripe, as the law requires).
  if (stripe) privacy.erasure.onErasure(new CustomerDeletions({ orm, stripe, logger, metrics: billingMetrics }));
  return { accounts, sessions, enforcement, suspensions, privacy, billing, billingWebhooks, billingMetrics };
}
