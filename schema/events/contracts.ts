import { z } from 'zod';

/**
 * Event contracts: every event on every topic has this envelope and a typed payload.
 * Producers validate before writing to the outbox; consumers validate on receipt.
 */
export const Topic = {
  analytics: 'analytics-events',
  content: 'content-events',
  moderationDecisions: 'moderation-decisions',
  userLifecycle: 'user-lifecycle',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];
export const ALL_TOPICS: Topic[] = Object.values(Topic);

const role = z.enum(['USER', 'MODERATOR', 'ANALYST', 'ADMIN']);
const status = z.enum(['ACTIVE', 'WARNED', 'SUSPENDED', 'BANNED', 'DELETED']);
const plan = z.enum(['FREE', 'STANDARD', 'PREMIUM', 'VIP']);
const consentPurpose = z.enum(['ANALYTICS', 'MARKETING']);
const contentType = z.enum(['MESSAGE', 'COMPANION', 'USER_PROFILE', 'IMAGE', 'AUDIO', 'VIDEO']);
const moderationAction = z.enum([
  'NONE',
  'DELETE_CONTENT',
  'WARN_USER',
  'SUSPEND_USER',
  'BAN_USER',
  'REPORT_TO_AUTHORITIES',
]);

/** Event type → the topics it goes to and its payload. Topics are keyed by user id. */
export const eventCatalog = {
  'user.registered': {
    topics: [Topic.userLifecycle, Topic.analytics],
    payload: z.object({
      role,
      plan,
      status,
      /** The ANALYTICS consent given at registration (absent on events from before consents existed). */
      analyticsConsent: z.boolean().optional(),
    }),
  },
  'user.login': { topics: [Topic.analytics], payload: z.object({ sessionId: z.uuid() }) },
  'user.logout': { topics: [Topic.analytics], payload: z.object({ sessionId: z.uuid() }) },
  'user.password_changed': { topics: [Topic.userLifecycle], payload: z.object({}) },
  'user.profile_updated': {
    topics: [Topic.userLifecycle],
    payload: z.object({
      fields: z.array(z.string()),
      /** Set when moderation reset the profile (a DELETE_CONTENT decision on USER_PROFILE). */
      moderationCaseId: z.uuid().optional(),
    }),
  },
  'user.status_changed': {
    topics: [Topic.userLifecycle, Topic.analytics],
    payload: z.object({ from: status, to: status, reason: z.string().nullable() }),
  },
  /** The plan a user holds changed (billing webhooks); companions applies the new entitlements. */
  'user.plan_changed': {
    topics: [Topic.userLifecycle],
    payload: z.object({ from: plan, to: plan, subscriptionId: z.string().nullable() }),
  },
  /**
   * A consent given or withdrawn (docs/privacy.md). Also on `analytics-events`, so that the
   * analytics ingest sees it in order with the user's other events (same key, same partition).
   */
  'user.consent_changed': {
    topics: [Topic.userLifecycle, Topic.analytics],
    payload: z.object({ purpose: consentPurpose, granted: z.boolean(), policyVersion: z.string().min(1).max(32) }),
  },
  /** The account was deleted: every subgraph erases or pseudonymises what it holds, then confirms. */
  'user.erasure_requested': { topics: [Topic.userLifecycle], payload: z.object({}) },
  /** A subgraph finished erasing a user's data (users records it per subgraph). */
  'user.erasure_completed': {
    topics: [Topic.userLifecycle],
    payload: z.object({ subgraph: z.enum(['users', 'companions', 'moderation', 'analytics']) }),
  },
  /** A user asked for their data (docs/privacy.md, "Export"): every subgraph answers with its part. */
  'user.export_requested': { topics: [Topic.userLifecycle], payload: z.object({ exportId: z.uuid() }) },
  /**
   * One chunk of a subgraph's part of an export: `data` is a slice of the part's JSON text;
   * the chunks of a part, joined in order, parse as one JSON value. Chunked so that a long
   * history never exceeds the broker's message size (platform/events/export-parts.ts).
   * `readingId` names one reading of the part: a redelivered request reads again, and chunks
   * of two readings are never joined.
   */
  'user.export_part': {
    topics: [Topic.userLifecycle],
    payload: z.object({
      exportId: z.uuid(),
      readingId: z.uuid(),
      subgraph: z.enum(['users', 'companions', 'moderation', 'analytics']),
      chunk: z.int().nonnegative(),
      chunks: z.int().positive(),
      data: z.string(),
    }),
  },
  'companion.created': {
    topics: [Topic.analytics],
    payload: z.object({ companionId: z.uuid(), visibility: z.enum(['PRIVATE', 'PUBLIC']) }),
  },
  'companion.deleted': { topics: [Topic.analytics], payload: z.object({ companionId: z.uuid() }) },
  'conversation.started': {
    topics: [Topic.analytics],
    payload: z.object({ conversationId: z.uuid(), companionId: z.uuid() }),
  },
  'message.sent': {
    topics: [Topic.analytics],
    payload: z.object({ conversationId: z.uuid(), messageId: z.uuid(), companionId: z.uuid(), length: z.int() }),
  },
  'message.received': {
    topics: [Topic.analytics],
    payload: z.object({
      conversationId: z.uuid(),
      messageId: z.uuid(),
      companionId: z.uuid(),
      status: z.enum(['COMPLETE', 'CANCELLED', 'FAILED']),
      finishReason: z.string().nullable(),
      promptTokens: z.int().nullable(),
      completionTokens: z.int().nullable(),
    }),
  },
  /**
   * Billing (users subgraph, from Stripe webhooks). Amounts in the currency's minor unit; `monthlyAmountCents`
   * is what the subscription adds to MRR; `previousPlan` tells upgrades from FREE apart.
   */
  'subscription.created': {
    topics: [Topic.analytics],
    payload: z.object({
      subscriptionId: z.string().min(1),
      plan,
      previousPlan: plan,
      monthlyAmountCents: z.int().nonnegative(),
      currency: z.string().length(3),
    }),
  },
  'subscription.cancelled': {
    topics: [Topic.analytics],
    payload: z.object({ subscriptionId: z.string().min(1), plan, reason: z.string().nullable() }),
  },
  'payment.completed': {
    topics: [Topic.analytics],
    payload: z.object({
      paymentId: z.string().min(1),
      subscriptionId: z.string().nullable(),
      plan,
      amountCents: z.int().nonnegative(),
      currency: z.string().length(3),
    }),
  },
  'payment.failed': {
    topics: [Topic.analytics],
    payload: z.object({
      paymentId: z.string().min(1),
      subscriptionId: z.string().nullable(),
      plan,
      amountCents: z.int().nonnegative(),
      currency: z.string().length(3),
      reason: z.string().nullable(),
    }),
  },
  /** Media (planned: no producer yet). */
  'media.uploaded': {
    topics: [Topic.analytics],
    payload: z.object({
      mediaId: z.string().min(1),
      kind: z.enum(['IMAGE', 'AUDIO', 'VIDEO']),
      bytes: z.int().nonnegative(),
    }),
  },
  /**
   * An event a client tracked itself (trackEvent): its own `area.action` type, properties and
   * the time it happened on the client (the envelope's occurredAt is when the server took it).
   */
  'client.tracked': {
    topics: [Topic.analytics],
    payload: z.object({
      type: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/),
      properties: z.record(z.string(), z.unknown()),
      occurredAt: z.iso.datetime(),
    }),
  },
  /** Content for moderation: what a user wrote, what a companion replied, a companion's profile. */
  'content.posted': {
    topics: [Topic.content],
    payload: z.object({
      kind: z.enum(['USER_MESSAGE', 'COMPANION_REPLY', 'COMPANION_PROFILE', 'USER_PROFILE']),
      contentId: z.uuid(),
      conversationId: z.uuid().nullable(),
      text: z.string(),
    }),
  },
  /**
   * A moderation decision (automatic, human, or an upheld appeal): everything enforcement needs.
   * Keyed by the author (the deciding moderator when the author is unknown).
   */
  'moderation.decided': {
    topics: [Topic.moderationDecisions],
    payload: z.object({
      caseId: z.uuid(),
      contentType,
      contentId: z.string(),
      authorId: z.uuid().nullable(),
      status: z.enum(['APPROVED', 'REJECTED']),
      action: moderationAction,
      /** End of a SUSPEND_USER sanction; null otherwise. */
      suspendUntil: z.iso.datetime().nullable(),
      reason: z.string().nullable(),
      automatic: z.boolean(),
      /** The moderator (null when automatic). */
      decidedBy: z.uuid().nullable(),
      /** True when this confirms a rejection after an appeal. */
      appeal: z.boolean(),
    }),
  },
  /** An appeal overturned a rejection: undo its action (restore content, lift the sanction). */
  'moderation.reversed': {
    topics: [Topic.moderationDecisions],
    payload: z.object({
      caseId: z.uuid(),
      contentType,
      contentId: z.string(),
      authorId: z.uuid().nullable(),
      reversedAction: moderationAction,
      reversedSuspendUntil: z.iso.datetime().nullable(),
      reason: z.string().nullable(),
      decidedBy: z.uuid(),
    }),
  },
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventPayload<T extends EventType> = z.infer<(typeof eventCatalog)[T]['payload']>;

export interface EventEnvelope<T extends EventType = EventType> {
  /** UUID v7: time-ordered, and the idempotency key for consumers. */
  id: string;
  type: T;
  occurredAt: string;
  /** Who caused it (null for the system). */
  actorId: string | null;
  /** Whose event it is; also the partition key. */
  userId: string;
  payload: EventPayload<T>;
}

/**
 * Any event, discriminated by `type`: after `if (event.type === 'user.status_changed')`
 * the compiler knows the payload's shape, so consumers never cast.
 */
export type AnyEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

/** The event types a topic carries. */
export type EventOn<P extends Topic> = {
  [T in EventType]: P extends (typeof eventCatalog)[T]['topics'][number] ? T : never;
}[EventType];

// The envelope is checked by hand with zod's own patterns (same acceptance): as a zod object it
// was ~6 µs of every event a consumer reads, the largest part of parsing one (analytics ingest).
const UUID = z.regexes.uuid();
const DATETIME = z.regexes.datetime({});
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** An envelope whose fields are checked; its payload is checked against its type's contract next. */
interface CheckedEnvelope {
  id: string;
  type: string;
  occurredAt: string;
  actorId: string | null;
  userId: string;
  payload: unknown;
}

const badEnvelope = (field: string) => new InvalidEventError(`bad envelope: invalid ${field}`);

function checkEnvelope(raw: unknown): CheckedEnvelope {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badEnvelope('envelope');
  const { id, type, occurredAt, actorId, userId, payload } = raw as Record<string, unknown>;
  if (!isUuid(id)) throw badEnvelope('id');
  if (typeof type !== 'string') throw badEnvelope('type');
  if (typeof occurredAt !== 'string' || !DATETIME.test(occurredAt)) throw badEnvelope('occurredAt');
  if (actorId !== null && !isUuid(actorId)) throw badEnvelope('actorId');
  if (!isUuid(userId)) throw badEnvelope('userId');
  return { id, type, occurredAt, actorId, userId, payload };
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** Parses and validates an event read from a topic. */
export function parseEvent(json: string): AnyEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new InvalidEventError('event is not JSON');
  }
  const head = checkEnvelope(raw);
  const contract = eventCatalog[head.type as EventType];
  if (!contract) throw new InvalidEventError(`unknown event type ${head.type}`);
  const payload = contract.payload.safeParse(head.payload);
  if (!payload.success) throw new InvalidEventError(`bad ${head.type} payload: ${payload.error.issues[0]?.message}`);
  return { ...head, type: head.type as EventType, payload: payload.data } as AnyEvent;
}
