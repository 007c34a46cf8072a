import type { RequestScope } from '../../../platform/context.js';
import { appError, badInput, ErrorCode, unauthenticated } from '../../../platform/errors.js';
import { stageEvent, type OutboxRelay } from '../../../platform/events/outbox.js';
import type { RateLimiter, SharedState } from '../../../platform/state/shared-state.js';
import { eventCatalog } from '../../../schema/events/contracts.js';
import type { ConsentGate } from '../privacy/consent-gate.js';

export interface TrackInput {
  type: string;
  properties?: Record<string, unknown> | null;
  occurredAt?: Date | null;
}

export const MAX_BATCH = 100;
export const MAX_PROPERTIES_BYTES = 4096;
const AHEAD_MS = 5 * 60_000;
const BEHIND_MS = 7 * 86_400_000;
const TYPE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * Events clients track themselves. Validated, rate-limited per user and staged in the
 * outbox only: the call returns once they are committed there, and the ingest counts them
 * like any other event once they come back from `analytics-events`.
 */
export class TrackingService {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly deps: { state: SharedState; outbox: OutboxRelay; perSecond: number; consents: ConsentGate },
  ) {
    this.limiter = deps.state.rateLimiter('analytics-track', deps.perSecond);
  }

  async track(scope: RequestScope, inputs: TrackInput[], field = 'inputs'): Promise<number> {
    const identity = scope.identity;
    if (!identity) throw unauthenticated();
    if (inputs.length === 0 || inputs.length > MAX_BATCH) {
      throw badInput(`between 1 and ${MAX_BATCH} events at once`, field);
    }
    const now = Date.now();
    const checked = inputs.map((input, i) =>
      this.validate(input, now, inputs.length === 1 && field === 'input' ? 'input' : `${field}.${i}`),
    );
    const decision = await this.limiter.consume(identity.userId);
    if (!decision.allowed) {
      throw appError(ErrorCode.RATE_LIMITED, 'Too many tracked events; slow down', {
        retryAfterMs: decision.retryAfterMs,
      });
    }
    // Without ANALYTICS consent the events are dropped (docs/privacy.md): valid, but not kept.
    if (!(await this.deps.consents.allowsTracking(scope.em, identity.userId))) return 0;
    for (const input of checked) {
      stageEvent(scope.em, 'client.tracked', { userId: identity.userId, actorId: identity.userId, payload: input });
    }
    await scope.em.flush();
    this.deps.outbox.kick();
    return checked.length;
  }

  private validate(input: TrackInput, now: number, path: string) {
    if (!TYPE.test(input.type) || input.type.length > 64) {
      throw badInput('type must look like area.action (lower case, digits, underscores)', `${path}.type`);
    }
    if (input.type in eventCatalog) throw badInput(`${input.type} is recorded by the server`, `${path}.type`);
    const properties = input.properties ?? {};
    if (typeof properties !== 'object' || Array.isArray(properties)) {
      throw badInput('properties must be a JSON object', `${path}.properties`);
    }
    if (Buffer.byteLength(JSON.stringify(properties)) > MAX_PROPERTIES_BYTES) {
      throw badInput(`properties may take at most ${MAX_PROPERTIES_BYTES} bytes of JSON`, `${path}.properties`);
    }
    const occurredAt = input.occurredAt ?? new Date(now);
    if (occurredAt.getTime() > now + AHEAD_MS)
      throw badInput('occurredAt is more than 5 minutes ahead', `${path}.occurredAt`);
    if (occurredAt.getTime() < now - BEHIND_MS)
      throw badInput('occurredAt is more than 7 days ago', `${path}.occurredAt`);
    return { type: input.type, properties, occurredAt: occurredAt.toISOString() };
  }
}
