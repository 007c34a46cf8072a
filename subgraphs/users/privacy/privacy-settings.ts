import { createHmac } from 'node:crypto';
import { z } from 'zod';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const schema = z.object({
  /** The terms and privacy policy version in force; registration records its acceptance. */
  PRIVACY_POLICY_VERSION: z.string().min(1).max(32).default('2026-11-30'),
  /** Days between deleteAccount and the hard delete of the account row (0: at the next sweep). */
  ERASURE_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  /** Signs data export download links; derived from GATEWAY_SECRET when unset. */
  EXPORT_SIGNING_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  /** The public origin download links start with (e.g. https://graph.example); unset: links are paths. */
  EXPORT_BASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  /** Days an export's archive is kept after it is ready. */
  EXPORT_RETENTION_DAYS: z.coerce.number().int().min(1).max(30).default(7),
  /** Downloads of one export before its links are refused: each one is audited, so a loop is bounded. */
  EXPORT_MAX_DOWNLOADS: z.coerce.number().int().min(1).max(1000).default(20),
});

export type PrivacySettings = {
  policyVersion: string;
  erasureGraceDays: number;
  exportSigningSecret: string;
  exportBaseUrl: string;
  exportRetentionDays: number;
  exportMaxDownloads: number;
};

export function loadPrivacySettings(gatewaySecret: string, env: NodeJS.ProcessEnv = process.env): PrivacySettings {
  const parsed = schema.parse(env);
  return {
    policyVersion: parsed.PRIVACY_POLICY_VERSION,
    erasureGraceDays: parsed.ERASURE_GRACE_DAYS,
    // A key of its own, derived one-way: a leaked link key reveals nothing about the gateway's.
    exportSigningSecret:
      parsed.EXPORT_SIGNING_SECRET ?? createHmac('sha256', gatewaySecret).update('data-export-links').digest('hex'),
    exportBaseUrl: (parsed.EXPORT_BASE_URL ?? '').replace(/\/+$/, ''),
    exportRetentionDays: parsed.EXPORT_RETENTION_DAYS,
    exportMaxDownloads: parsed.EXPORT_MAX_DOWNLOADS,
  };
}
