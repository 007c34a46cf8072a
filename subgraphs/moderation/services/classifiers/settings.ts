import { z } from 'zod';
import { ConfigError } from '../../../../platform/config.js';
import type { ProviderName, Thresholds } from '../../../../platform/content-safety/types.js';

/**
 * The classifiers' environment variables, as a zod fragment the lead can spread into
 * platform/config.ts (`z.object({ ...existing, ...classifierEnv })`), plus the cross-field
 * checks a plain object schema cannot express.
 */
const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().min(1).optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const unit = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const SHA256 = /^[0-9a-f]{64}$/;

export const DEFAULT_MEDIA_MAX_BYTES = 25 * 1024 * 1024;
export const DEFAULT_PROVIDER_TIMEOUT_MS = 3_000;

export const classifierEnv = {
  MODERATION_PROVIDER: z.enum(['local', 'azure', 'openai']).default('local'),
  AZURE_CONTENT_SAFETY_ENDPOINT: optionalUrl,
  AZURE_CONTENT_SAFETY_KEY: optionalString,
  MODERATION_OPENAI_API_KEY: optionalString,
  MODERATION_OPENAI_BASE_URL: optionalUrl,
  MODERATION_OPENAI_MODEL: z.string().min(1).default('omni-moderation-latest'),
  MODERATION_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(DEFAULT_PROVIDER_TIMEOUT_MS),
  MODERATION_AUTO_APPROVE: unit(0.8),
  MODERATION_AUTO_REJECT: unit(0.3),
  MEDIA_MAX_BYTES: z.coerce.number().int().min(1).default(DEFAULT_MEDIA_MAX_BYTES),
  MEDIA_BLOCKLIST_SHA256: z.preprocess(
    (value) => (typeof value === 'string' ? value : ''),
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim().toLowerCase())
          .filter(Boolean),
      )
      .refine(
        (list) => list.every((entry) => SHA256.test(entry)),
        'must be comma-separated 64-digit hex SHA-256 values',
      ),
  ),
  // Read only as defaults for the MODERATION_OPENAI_* pair; platform/config.ts owns them.
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
};

export const classifierSchema = z.object(classifierEnv);

export interface ClassifierSettings {
  provider: ProviderName;
  azure?: { endpoint: string; key: string };
  openai?: { apiKey: string; baseURL?: string; model: string };
  timeoutMs: number;
  thresholds: Thresholds;
  media: { maxBytes: number; blocklist: ReadonlySet<string> };
}

/** Validates the variables and the rules between them; a problem is one line naming the variable. */
export function parseClassifierSettings(env: NodeJS.ProcessEnv = process.env): ClassifierSettings {
  const parsed = classifierSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  }
  const raw = parsed.data;
  const fail = (name: string, message: string): never => {
    throw new ConfigError(`invalid configuration: ${name}: ${message}`);
  };
  if (!(raw.MODERATION_AUTO_REJECT < raw.MODERATION_AUTO_APPROVE)) {
    fail(
      'MODERATION_AUTO_REJECT',
      `must be below MODERATION_AUTO_APPROVE (${raw.MODERATION_AUTO_REJECT} ≥ ${raw.MODERATION_AUTO_APPROVE})`,
    );
  }

  const settings: ClassifierSettings = {
    provider: raw.MODERATION_PROVIDER,
    timeoutMs: raw.MODERATION_PROVIDER_TIMEOUT_MS,
    thresholds: { autoApprove: raw.MODERATION_AUTO_APPROVE, autoReject: raw.MODERATION_AUTO_REJECT },
    media: { maxBytes: raw.MEDIA_MAX_BYTES, blocklist: new Set(raw.MEDIA_BLOCKLIST_SHA256) },
  };
  if (raw.MODERATION_PROVIDER === 'azure') {
    const endpoint =
      raw.AZURE_CONTENT_SAFETY_ENDPOINT ??
      fail('AZURE_CONTENT_SAFETY_ENDPOINT', 'required when MODERATION_PROVIDER=azure');
    const key =
      raw.AZURE_CONTENT_SAFETY_KEY ?? fail('AZURE_CONTENT_SAFETY_KEY', 'required when MODERATION_PROVIDER=azure');
    settings.azure = { endpoint: endpoint.replace(/\/+$/, ''), key };
  }
  if (raw.MODERATION_PROVIDER === 'openai') {
    const apiKey =
      raw.MODERATION_OPENAI_API_KEY ??
      raw.OPENAI_API_KEY ??
      fail('MODERATION_OPENAI_API_KEY', 'required when MODERATION_PROVIDER=openai (or set OPENAI_API_KEY)');
    const baseURL = raw.MODERATION_OPENAI_BASE_URL ?? raw.OPENAI_BASE_URL;
    settings.openai = { apiKey, model: raw.MODERATION_OPENAI_MODEL, ...(baseURL ? { baseURL } : {}) };
  }
  return settings;
}
