import { z } from 'zod';
import { ConfigError } from '../../../platform/config.js';
import { PAID_PLANS, type PaidPlan } from '../../../platform/plans.js';

/**
 * Billing's settings, read from STRIPE_* and BILLING_* variables. The five Stripe values come
 * all together or not at all: none → billing is off (its mutations answer BILLING_DISABLED).
 */
const REQUIRED = [
  'STRIPE_API_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PRICE_STANDARD',
  'STRIPE_PRICE_PREMIUM',
  'STRIPE_PRICE_VIP',
] as const;

const schema = z.object({
  STRIPE_API_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a secret or restricted key (sk_…/rk_…)'),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret (whsec_…)'),
  STRIPE_PRICE_STANDARD: z.string().regex(/^price_\w+$/, 'must be a price id (price_…)'),
  STRIPE_PRICE_PREMIUM: z.string().regex(/^price_\w+$/, 'must be a price id (price_…)'),
  STRIPE_PRICE_VIP: z.string().regex(/^price_\w+$/, 'must be a price id (price_…)'),
  /** Another API server (the local test server); Stripe's own by default. */
  STRIPE_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  BILLING_REDIRECT_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1, 'at least one origin')),
  BILLING_WEBHOOK_PER_SECOND: z.coerce.number().int().min(1).default(50),
});

export interface BillingSettings {
  apiKey: string;
  webhookSecret: string;
  /** Price id of each paid plan (and back). */
  prices: Record<PaidPlan, string>;
  planOfPrice: Map<string, PaidPlan>;
  api?: { host: string; port: number; protocol: 'http' | 'https' };
  redirectOrigins: Set<string>;
  webhookPerSecond: number;
}

export class BillingSettingsError extends ConfigError {
  override name = 'BillingSettingsError';
}

/** null: billing is off. Throws BillingSettingsError naming the variable when set partly or wrongly. */
export function loadBillingSettings(env: Record<string, string | undefined> = process.env): BillingSettings | null {
  const given = REQUIRED.filter((name) => env[name]);
  if (given.length === 0) return null;
  const absent = REQUIRED.filter((name) => !env[name]);
  if (absent.length > 0) {
    throw new BillingSettingsError(
      `invalid configuration: ${absent[0]}: required with ${given[0]} (Stripe settings come all or none)`,
    );
  }
  const emptyless = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(emptyless);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BillingSettingsError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  const prices: Record<PaidPlan, string> = {
    STANDARD: s.STRIPE_PRICE_STANDARD,
    PREMIUM: s.STRIPE_PRICE_PREMIUM,
    VIP: s.STRIPE_PRICE_VIP,
  };
  const planOfPrice = new Map(PAID_PLANS.map((plan) => [prices[plan], plan] as const));
  if (planOfPrice.size !== PAID_PLANS.length) {
    throw new BillingSettingsError('invalid configuration: STRIPE_PRICE_*: each plan needs its own price');
  }
  const base = s.STRIPE_API_BASE_URL ? new URL(s.STRIPE_API_BASE_URL) : undefined;
  const protocol = base?.protocol === 'http:' ? 'http' : 'https';
  return {
    apiKey: s.STRIPE_API_KEY,
    webhookSecret: s.STRIPE_WEBHOOK_SECRET,
    prices,
    planOfPrice,
    api: base
      ? { host: base.hostname, port: Number(base.port || (protocol === 'http' ? 80 : 443)), protocol }
      : undefined,
    redirectOrigins: new Set(s.BILLING_REDIRECT_ORIGINS.map((origin) => new URL(origin).origin)),
    webhookPerSecond: s.BILLING_WEBHOOK_PER_SECOND,
  };
}
