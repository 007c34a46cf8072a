import { z } from 'zod';
import { ConfigError } from '../../platform/config.js';

/** The analytics subgraph's own settings, read from ANALYTICS_* variables (validated like platform/config.ts). */
const schema = z.object({
  ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  ANALYTICS_TRACK_PER_SECOND: z.coerce.number().positive().max(100_000).default(20),
  ANALYTICS_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  ANALYTICS_FUNNEL_PARTS: z.coerce.number().int().min(1).max(16).default(2),
});

export interface AnalyticsSettings {
  /** Raw history older than this many days is dropped, a whole day partition at a time. */
  retentionDays: number;
  /** trackEvent/trackEvents calls per user per second. */
  trackPerSecond: number;
  /** Most records one ingest batch takes (the in-process bus; Kafka sizes batches itself). */
  batchSize: number;
  /**
   * Parts a funnel is split into by user, each on its own PostgreSQL connection at once
   * (services/funnel-runner.ts): about the database's free cores. PGlite always runs one.
   */
  funnelParts: number;
}

export class AnalyticsSettingsError extends ConfigError {
  override name = 'AnalyticsSettingsError';
}

export function loadAnalyticsSettings(env: Record<string, string | undefined> = process.env): AnalyticsSettings {
  const emptyless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(emptyless);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AnalyticsSettingsError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  return {
    retentionDays: s.ANALYTICS_RETENTION_DAYS,
    trackPerSecond: s.ANALYTICS_TRACK_PER_SECOND,
    batchSize: s.ANALYTICS_BATCH_SIZE,
    funnelParts: s.ANALYTICS_FUNNEL_PARTS,
  };
}
