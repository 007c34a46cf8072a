import type { Classification, Decision, Thresholds } from './types.js';

export const DEFAULT_THRESHOLDS: Thresholds = { autoApprove: 0.8, autoReject: 0.3 };

/**
 * The automatic decision for a safety confidence: at or above `autoApprove` → APPROVE,
 * strictly below `autoReject` → REJECT, anything in between (both edges' other side) → REVIEW.
 * A NaN confidence is never approved.
 */
export function decide(confidence: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  if (Number.isNaN(confidence)) return 'REVIEW';
  if (confidence >= thresholds.autoApprove) return 'APPROVE';
  if (confidence < thresholds.autoReject) return 'REJECT';
  return 'REVIEW';
}

/** Like `decide`, but content no classifier could judge always goes to a human. */
export function decideClassification(result: Classification, thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  return result.judged ? decide(result.confidence, thresholds) : 'REVIEW';
}

/** Confidences are kept to 9 decimals: finer than any provider reports, coarse enough to be exact. */
const CONFIDENCE_STEPS = 1e9;

/**
 * Safety confidence from per-category scores: the worst category decides. Computed on a decimal
 * grid, so a score of 0.7 gives exactly 0.3 (not 1 − 0.7 = 0.30000000000000004) and a
 * threshold edge means what the configuration says.
 */
export function confidenceFrom(scores: readonly { score: number }[]): number {
  let worst = 0;
  for (const { score } of scores) if (score > worst) worst = score;
  return clamp01((CONFIDENCE_STEPS - Math.round(clamp01(worst) * CONFIDENCE_STEPS)) / CONFIDENCE_STEPS);
}

export function clamp01(value: number): number {
  if (Number.isNaN(value)) return 0;
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
