import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from '../platform/logger.js';
import type { TokenSession } from './authenticate.js';
import { EndableStream } from './endable-stream.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import type { GatewayContext } from './gateway-context.js';
import type { GuardRefusal } from './operation-guard.js';
import type { SessionEnd, SessionWatch } from './session-watch.js';
import type { ConnectionCaps } from './subscription-caps.js';
import type { PreparedSubscription, SubscriptionPlanner } from './subscription-planner.js';

export type Result = FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>;

/**
 * One long-lived client connection (a WebSocket, or one SSE / multipart response):
 * its subscriptions counted against the caps, its token watched, and all of it ended
 * together — each running subscription gets a last result with the error code, then
 * the transport closes (`onEnd`: 4401/4403 for a WebSocket, end of body for HTTP).
 */
export class LiveConnection {
  private readonly streams = new Set<EndableStream<Result>>();
  private unwatch: (() => void) | undefined;
  private endedBy: SessionEnd | undefined;

  constructor(
    private readonly deps: {
      subscriptions: FederatedSubscriptions;
      caps: ConnectionCaps;
      watch: SessionWatch;
      logger: Logger;
      onEnd: (end: SessionEnd) => void;
    },
  ) {}

  /** Watches the connection's token (anonymous connections have none). */
  follow(session: TokenSession | undefined): void {
    if (!session || this.endedBy) return;
    this.unwatch?.();
    this.unwatch = this.deps.watch.watch(session, (end) => this.end(end));
  }

  get ended(): SessionEnd | undefined {
    return this.endedBy;
  }

  get openSubscriptions(): number {
    return this.streams.size;
  }

  async subscribe(
    prepared: PreparedSubscription,
    planner: SubscriptionPlanner,
    variables: Record<string, unknown>,
    context: GatewayContext,
  ): Promise<{ stream: EndableStream<Result> } | { refusal: GuardRefusal }> {
    if (this.endedBy) return { refusal: refusalOf(this.endedBy) };
    const userKey = context.identity ? context.identity.userId : `anonymous:${context.clientAddress}`;
    const cap = await this.deps.caps.acquire(userKey);
    if ('refusal' in cap) return { refusal: cap.refusal };
    // The session may have ended while the cap was being counted.
    if (this.endedBy) {
      cap.release();
      return { refusal: refusalOf(this.endedBy) };
    }
    const inner = this.deps.subscriptions.start(prepared, planner, variables, context);
    const stream: EndableStream<Result> = new EndableStream<Result>(inner, () => {
      cap.release();
      this.streams.delete(stream);
    });
    this.streams.add(stream);
    return { stream };
  }

  /** Ends every subscription with the session's error, then the transport. */
  end(end: SessionEnd): void {
    if (this.endedBy) return;
    this.endedBy = end;
    this.unwatch?.();
    const last: Result = { errors: [refusalOf(end)] };
    for (const stream of [...this.streams]) stream.end(last);
    this.deps.logger.info({ code: end.code }, 'live connection ended by its session');
    this.deps.onEnd(end);
  }

  /** The client went away: release everything. */
  close(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    for (const stream of [...this.streams]) void stream.return();
  }
}

export function refusalOf(end: SessionEnd): GuardRefusal {
  return { message: end.message, extensions: { code: end.code } };
}
