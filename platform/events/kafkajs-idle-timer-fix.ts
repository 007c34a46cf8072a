import { createRequire } from 'node:module';

/**
 * Stops kafkajs 2.2.4's idle 1 ms timer loop (upstream issues #1556, #1704, #1751, still open).
 *
 * Every broker connection has a request queue whose `scheduleCheckPendingRequests` arms a timer
 * for `throttledUntil - now` even when nothing is pending and nothing is throttled; that delay is
 * negative (Node turns it into 1 ms, and Node 24 warns "TimeoutNegativeWarning"), the timer
 * calls the check, which arms the timer again: ~1,000 wake-ups a second per connection, forever.
 * The graph runs dozens of connections (a producer and several consumer groups per service), so
 * the event loop that also serves requests and runs the consumers spent a share of its time on
 * them. Measured: one producer and one consumer, idle for 5 s: 13,620 timer calls and 187 ms of
 * CPU before, none and 39 ms after.
 *
 * With nothing pending and no throttle there is nothing to check: a request pushed later is sent
 * at once or, when it has to wait, pushed to `pending`, and then the original schedules its check
 * as before (throttling and the in-flight limit keep working unchanged).
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(this: RequestQueueInternals): void;
}

let applied = false;

export function applyKafkajsIdleTimerFix(): void {
  if (applied) return;
  applied = true;
  const require = createRequire(import.meta.url);
  let RequestQueue: { prototype: RequestQueueInternals } | undefined;
  try {
    RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };
  } catch {
    return; // a kafkajs without this file (moved or fixed upstream): nothing to fix
  }
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') return;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
}
