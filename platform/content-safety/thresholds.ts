import { ConfigError } from '../config.js';
import { DEFAULT_THRESHOLDS } from './decide.js';
import type { Thresholds } from './types.js';

/**
 * MODERATION_AUTO_APPROVE / MODERATION_AUTO_REJECT, read the same way wherever content is
 * judged (the moderation subgraph's cases, the companions subgraph's chat pre-check), so both
 * draw the line at the same confidence. Unset or empty → the defaults (0.8, 0.3).
 */
export function readThresholds(env: Record<string, string | undefined> = process.env): Thresholds {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new ConfigError(`invalid configuration: ${name}: must be a number in [0, 1] (got "${raw}")`);
    }
    return value;
  };
  const thresholds = {
    autoApprove: read('MODERATION_AUTO_APPROVE', DEFAULT_THRESHOLDS.autoApprove),
    autoReject: read('MODERATION_AUTO_REJECT', DEFAULT_THRESHOLDS.autoReject),
  };
  if (!(thresholds.autoReject < thresholds.autoApprove)) {
    throw new ConfigError(
      `invalid configuration: MODERATION_AUTO_REJECT: must be below MODERATION_AUTO_APPROVE (${thresholds.autoReject} ≥ ${thresholds.autoApprove})`,
    );
  }
  return thresholds;
}
