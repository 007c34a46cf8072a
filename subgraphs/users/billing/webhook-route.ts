import type { IncomingMessage, ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { ErrorCode } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import { BodyTooLarge, readBody, sendError, type RouteHandler } from '../../../platform/server/http-server.js';
import type { RateLimiter } from '../../../platform/state/shared-state.js';
import type { BillingMetrics } from './billing-service.js';
import type { BillingWebhooks } from './billing-webhooks.js';

export const WEBHOOK_PATH = '/webhooks/stripe';
/** Stripe's own recommendation: refuse signatures older than five minutes (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** Stripe event payloads stay far below this. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The caller's address; behind the proxy (TRUST_PROXY) the first X-Forwarded-For entry. */
function callerAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return (trustProxy && first) || req.socket.remoteAddress || 'unknown';
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * POST /webhooks/stripe: throttled per address, the raw body verified with the SDK against
 * STRIPE_WEBHOOK_SECRET (300 s tolerance), then applied. 400 for a bad signature (nothing
 * changes), 200 for applied, duplicate and ignored events, 500 when applying failed (Stripe
 * delivers again).
 */
export function stripeWebhookRoute(deps: {
  webhooks: BillingWebhooks | null;
  secret: string | null;
  limiter: RateLimiter;
  trustProxy: boolean;
  metrics: BillingMetrics;
  logger: Logger;
  /** Security audit of refused signatures (throttled above, so a flood cannot fill the log). */
  audit: { recordSecurityEvent(action: string, details: Record<string, unknown>): Promise<void> };
}): RouteHandler {
  const { webhooks, secret, limiter, metrics, logger } = deps;
  return async (req, res, requestId) => {
    if (req.method !== 'POST') {
      req.resume();
      answer(res, 405, { error: 'POST only' }, { allow: 'POST' });
      return;
    }
    const decision = await limiter.consume(callerAddress(req, deps.trustProxy));
    if (!decision.allowed) {
      req.resume();
      metrics.webhooksFailed.inc({ reason: 'throttled' });
      sendError(
        res,
        {
          status: 429,
          code: ErrorCode.RATE_LIMITED,
          message: 'Too many webhook requests',
          headers: { 'retry-after': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) },
        },
        requestId,
      );
      return;
    }
    if (!webhooks || !secret) {
      req.resume();
      sendError(
        res,
        { status: 404, code: ErrorCode.BILLING_DISABLED, message: 'Billing is not configured' },
        requestId,
      );
      return;
    }
    let payload: string;
    try {
      payload = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      answer(res, 413, { error: 'payload too large' });
      return;
    }
    let event: Stripe.Event;
    try {
      const header = req.headers['stripe-signature'];
      event = Stripe.webhooks.constructEvent(
        payload,
        (Array.isArray(header) ? header[0] : header) ?? '',
        secret,
        WEBHOOK_TOLERANCE_SECONDS,
      );
    } catch (error) {
      metrics.webhooksFailed.inc({ reason: 'signature' });
      logger.warn({ requestId, reason: (error as Error).message }, 'Stripe webhook signature refused');
      await deps.audit
        .recordSecurityEvent('billing.webhook_signature_failed', { requestId })
        .catch((auditError: unknown) => logger.error({ err: auditError }, 'audit entry not written'));
      answer(res, 400, { error: 'invalid signature' });
      return;
    }
    metrics.webhooksReceived.inc({ type: event.type });
    try {
      const outcome = await webhooks.apply(event);
      answer(res, 200, { received: true, outcome });
    } catch (error) {
      metrics.webhooksFailed.inc({ reason: 'processing' });
      logger.error({ err: error, requestId, eventId: event.id, type: event.type }, 'Stripe webhook not applied');
      answer(res, 500, { error: 'not applied; deliver again' });
    }
  };
}
