import type { PasswordHasher } from '../../../platform/auth/password.js';
import type { OutboxRelay } from '../../../platform/events/outbox.js';
import type { EventBus } from '../../../platform/events/event-bus.js';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import type { KeyValueStore } from '../../../platform/state/shared-state.js';
import type { SessionService } from '../services/session-service.js';
import type { StatusChanges } from '../services/status-changes.js';
import { AuditLog } from './audit-log.js';
import { ConsentService } from './consent-service.js';
import { ErasureService } from './erasure-service.js';
import { loadPrivacySettings } from './privacy-settings.js';

export interface PrivacyServices {
  consents: ConsentService;
  audit: AuditLog;
  erasure: ErasureService;
}

/** How often completed erasures past their grace period are looked for. */
const ERASURE_SWEEP_INTERVAL_MS = 1000;

export function createPrivacyServices(deps: {
  orm: Orm;
  outbox: OutboxRelay;
  logger: Logger;
  passwords: PasswordHasher;
  sessions: SessionService;
  statuses: StatusChanges;
  kv: KeyValueStore;
}): PrivacyServices {
  const settings = loadPrivacySettings();
  return {
    consents: new ConsentService({
      sessions: deps.sessions,
      outbox: deps.outbox,
      policyVersion: settings.policyVersion,
    }),
    audit: new AuditLog({ orm: deps.orm, kv: deps.kv }),
    erasure: new ErasureService({ ...deps, graceDays: settings.erasureGraceDays }),
  };
}

/** The audit and erasure consumers and the hard-delete sweeper; returns their stop. */
export async function startPrivacy(bus: EventBus, logger: Logger, privacy: PrivacyServices) {
  const stopAudit = await privacy.audit.startConsumer(bus, logger);
  const stopConfirmations = await privacy.erasure.startConsumer(bus, logger);
  let sweeping: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    // One sweep at a time: a slow Stripe call must not pile sweeps up.
    sweeping ??= Promise.all([
      privacy.erasure.sweep().catch((error: unknown) => logger.warn({ err: error }, 'erasure sweep failed; retrying')),
      privacy.erasure.retryPending(),
    ]).finally(() => (sweeping = null));
  }, ERASURE_SWEEP_INTERVAL_MS).unref();
  return async () => {
    clearInterval(timer);
    await sweeping;
    await stopConfirmations();
    await stopAudit();
  };
}
