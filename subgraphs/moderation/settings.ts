import { z } from 'zod';
import { ConfigError } from '../../platform/config.js';

/**
 * The moderation subgraph's own settings, read from MODERATION_* variables (validated like
 * platform/config.ts, and meant to be folded into it). Fractional values are allowed so
 * tests can use leases and windows of seconds.
 */
const schema = z
  .object({
    MODERATION_AUTO_APPROVE: z.coerce.number().min(0).max(1).default(0.8),
    MODERATION_AUTO_REJECT: z.coerce.number().min(0).max(1).default(0.3),
    MODERATION_CLAIM_LEASE_SECONDS: z.coerce.number().positive().max(86_400).default(900),
    MODERATION_ESCALATION_REPORTS: z.coerce.number().int().min(1).default(5),
    MODERATION_APPEAL_WINDOW_DAYS: z.coerce.number().positive().max(3650).default(14),
  })
  .refine((s) => s.MODERATION_AUTO_REJECT < s.MODERATION_AUTO_APPROVE, {
    message: 'must be below MODERATION_AUTO_APPROVE',
    path: ['MODERATION_AUTO_REJECT'],
  });

export interface ModerationSettings {
  autoApprove: number;
  autoReject: number;
  claimLeaseMs: number;
  escalationReports: number;
  appealWindowMs: number;
}

export class ModerationSettingsError extends ConfigError {
  override name = 'ModerationSettingsError';
}

export function loadModerationSettings(env: Record<string, string | undefined> = process.env): ModerationSettings {
  const emptyless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(emptyless);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModerationSettingsError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  return {
    autoApprove: s.MODERATION_AUTO_APPROVE,
    autoReject: s.MODERATION_AUTO_REJECT,
    claimLeaseMs: Math.round(s.MODERATION_CLAIM_LEASE_SECONDS * 1000),
    escalationReports: s.MODERATION_ESCALATION_REPORTS,
    appealWindowMs: Math.round(s.MODERATION_APPEAL_WINDOW_DAYS * 86_400_000),
  };
}
