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
import { startUsersExport } from './export-handler.js';
import { ExportService } from './export-service.js';
import { ExportLinks } from './export-signing.js';
import { loadPrivacySettings } from './privacy-settings.js';

export interface PrivacyServices {
  consents: ConsentService;
  audit: AuditLog;
  erasure: ErasureService;
  exports: ExportService;
}

/** How often completed erasures past their grace period are looked for. */
const ERASURE_SWEEP_INTERVAL_MS = 1000;
/** How often expired archives and exports stuck without a part are looked for. */
const EXPORT_SWEEP_INTERVAL_MS = 5000;

export function createPrivacyServices(deps: {
  orm: Orm;
  outbox: OutboxRelay;
  logger: Logger;
  passwords: PasswordHasher;
  sessions: SessionService;
  statuses: StatusChanges;
  kv: KeyValueStore;
  gatewaySecret: string;
}): PrivacyServices {
  const settings = loadPrivacySettings(deps.gatewaySecret);
  const audit = new AuditLog({ orm: deps.orm, kv: deps.kv });
  const exports = new ExportService({
    orm: deps.orm,
    sessions: deps.sessions,
    outbox: deps.outbox,
    audit,
    links: new ExportLinks(settings.exportSigningSecret),
    baseUrl: settings.exportBaseUrl,
    retentionDays: settings.exportRetentionDays,
    maxDownloads: settings.exportMaxDownloads,
    logger: deps.logger,
  });
  return {
    consents: new ConsentService({
      sessions: deps.sessions,
      outbox: deps.outbox,
      policyVersion: settings.policyVersion,
    }),
    audit,
    erasure: new ErasureService({ ...deps, exports, graceDays: settings.erasureGraceDays }),
    exports,
  };
}

/**
 * The audit, erasure and export consumers, the hard-delete sweeper and the export sweeper;
 * returns their stop.
 */
export async function startPrivacy(orm: Orm, bus: EventBus, logger: Logger, privacy: PrivacyServices) {
  const stopAudit = await privacy.audit.startConsumer(bus, logger);
  const stopConfirmations = await privacy.erasure.startConsumer(bus, logger);
  const stopOwnPart = await startUsersExport(orm, bus, logger);
  const stopParts = await privacy.exports.startConsumer(bus, logger);
  let exportSweeping: Promise<unknown> = Promise.resolve();
  const exportTimer = setInterval(() => {
    exportSweeping = privacy.exports
      .sweep()
      .catch((error: unknown) => logger.warn({ err: error }, 'export sweep failed; retrying'));
  }, EXPORT_SWEEP_INTERVAL_MS).unref();
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
    clearInterval(exportTimer);
    await Promise.all([sweeping, exportSweeping]);
    await stopParts();
    await stopOwnPart();
    await stopConfirmations();
    await stopAudit();
  };
}
