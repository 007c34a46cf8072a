import { z } from 'zod';

const schema = z.object({
  /** The terms and privacy policy version in force; registration records its acceptance. */
  PRIVACY_POLICY_VERSION: z.string().min(1).max(32).default('2026-11-30'),
  /** Days between deleteAccount and the hard delete of the account row (0: at the next sweep). */
  ERASURE_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
});

export type PrivacySettings = { policyVersion: string; erasureGraceDays: number };

export function loadPrivacySettings(env: NodeJS.ProcessEnv = process.env): PrivacySettings {
  const parsed = schema.parse(env);
  return { policyVersion: parsed.PRIVACY_POLICY_VERSION, erasureGraceDays: parsed.ERASURE_GRACE_DAYS };
}
