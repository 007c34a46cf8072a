import { z } from 'zod';
import { ConfigError } from './config.js';

/**
 * Plans and what each one entitles to: the one table the users subgraph (billing, the
 * plan a user holds) and the companions subgraph (where the limits are enforced) share.
 * Documented in docs/billing.md; operators override any cell with PLAN_ENTITLEMENTS.
 */
export const PLANS = ['FREE', 'STANDARD', 'PREMIUM', 'VIP'] as const;
export type Plan = (typeof PLANS)[number];
export const PAID_PLANS = ['STANDARD', 'PREMIUM', 'VIP'] as const satisfies readonly Plan[];
export type PaidPlan = (typeof PAID_PLANS)[number];

export const STREAMING_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'HIGHEST'] as const;
export type StreamingPriority = (typeof STREAMING_PRIORITIES)[number];

export interface Entitlements {
  /** Messages a user may send per UTC day. */
  messagesPerDay: number;
  /** Companions a user may own at once (a downgrade keeps the extra ones, but no new one). */
  companionsOwned: number;
  /** Longest message in characters (never above MESSAGE_MAX_CHARS). */
  longestMessageChars: number;
  /** Tokens of conversation history sent to the model with each message. */
  contextTokenBudget: number;
  /** The model replies come from; null: the provider's configured model (LLM_MODEL). */
  model: string | null;
  /** Order in which replies are served when generation is queued. */
  streamingPriority: StreamingPriority;
}

export const DEFAULT_ENTITLEMENTS: Readonly<Record<Plan, Readonly<Entitlements>>> = {
  FREE: {
    messagesPerDay: 100,
    companionsOwned: 5,
    longestMessageChars: 1_000,
    contextTokenBudget: 1_500,
    model: null,
    streamingPriority: 'LOW',
  },
  STANDARD: {
    messagesPerDay: 1_000,
    companionsOwned: 20,
    longestMessageChars: 2_000,
    contextTokenBudget: 3_000,
    model: null,
    streamingPriority: 'NORMAL',
  },
  PREMIUM: {
    messagesPerDay: 5_000,
    companionsOwned: 100,
    longestMessageChars: 4_000,
    contextTokenBudget: 6_000,
    model: null,
    streamingPriority: 'HIGH',
  },
  VIP: {
    messagesPerDay: 20_000,
    companionsOwned: 500,
    longestMessageChars: 4_000,
    contextTokenBudget: 12_000,
    model: 'gpt-4o',
    streamingPriority: 'HIGHEST',
  },
};

const override = z
  .object({
    messagesPerDay: z.int().min(0),
    companionsOwned: z.int().min(0),
    longestMessageChars: z.int().min(1),
    contextTokenBudget: z.int().min(64),
    model: z.string().min(1).nullable(),
    streamingPriority: z.enum(STREAMING_PRIORITIES),
  })
  .partial()
  .strict();
const overrides = z.object(Object.fromEntries(PLANS.map((plan) => [plan, override.optional()]))).strict();

export type PlanTable = Readonly<Record<Plan, Readonly<Entitlements>>>;

/**
 * The plan table: the defaults above, with PLAN_ENTITLEMENTS (JSON, e.g.
 * `{"FREE":{"messagesPerDay":20}}`) applied on top. Throws ConfigError naming the cell.
 */
export function loadPlanTable(env: Record<string, string | undefined> = process.env): PlanTable {
  const text = env.PLAN_ENTITLEMENTS;
  if (!text) return DEFAULT_ENTITLEMENTS;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('invalid configuration: PLAN_ENTITLEMENTS: must be JSON');
  }
  const parsed = overrides.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: PLAN_ENTITLEMENTS.${issue.path.join('.')}: ${issue.message}`);
  }
  const given = parsed.data as Partial<Record<Plan, Partial<Entitlements>>>;
  return Object.fromEntries(
    PLANS.map((plan) => [plan, { ...DEFAULT_ENTITLEMENTS[plan], ...given[plan] }]),
  ) as unknown as PlanTable;
}

/** Start of the next UTC day: when daily counters start again. */
export function nextDailyReset(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** Start of the current UTC day. */
export function startOfUtcDay(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
