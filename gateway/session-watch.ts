import { REVOCATION_CHANNEL, type RevocationMessage, type Revocations } from '../platform/auth/revocation.js';
import { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { PubSub, Unsubscribe } from '../platform/state/shared-state.js';
import type { TokenSession } from './authenticate.js';

/** Why a long-lived connection ends, with the close code a WebSocket gets for it. */
export interface SessionEnd {
  code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.FORBIDDEN;
  message: string;
  closeCode: 4401 | 4403;
}

export const SESSION_EXPIRED: SessionEnd = {
  code: ErrorCode.UNAUTHENTICATED,
  message: 'Access token expired; reconnect with a fresh token',
  closeCode: 4401,
};
export const SESSION_REVOKED: SessionEnd = {
  code: ErrorCode.UNAUTHENTICATED,
  message: 'Session has ended; sign in again',
  closeCode: 4401,
};
export const ACCOUNT_SANCTIONED: SessionEnd = {
  code: ErrorCode.FORBIDDEN,
  message: 'Account is suspended or banned',
  closeCode: 4403,
};

interface Watcher {
  session: TokenSession;
  onEnd: (end: SessionEnd) => void;
  timer: NodeJS.Timeout;
  ended: boolean;
}

/**
 * Ends open connections (WebSocket, SSE, multipart) when their token stops being valid:
 * revocations arrive pushed on shared pub/sub (so a logout on one replica ends sockets on
 * every replica), expiry by a timer at the token's `exp`. One channel subscription per
 * process; connections register and get one callback, at most once.
 */
export class SessionWatch {
  private readonly bySession = new Map<string, Set<Watcher>>();
  private readonly byUser = new Map<string, Set<Watcher>>();
  private unsubscribe: Unsubscribe | undefined;

  private constructor(
    private readonly logger: Logger,
    private readonly revocations: Revocations | undefined,
  ) {}

  /**
   * With `revocations`, each new watcher is checked once more after it is registered: a
   * revocation pushed between the connection's authentication and its registration would
   * otherwise be missed.
   */
  static async start(pubsub: PubSub, logger: Logger, revocations?: Revocations): Promise<SessionWatch> {
    const watch = new SessionWatch(logger, revocations);
    watch.unsubscribe = await pubsub.subscribe(REVOCATION_CHANNEL, (message) => watch.receive(message));
    return watch;
  }

  /** Calls `onEnd` once when this token is revoked or expires; the returned function stops watching. */
  watch(session: TokenSession, onEnd: (end: SessionEnd) => void): () => void {
    const watcher: Watcher = {
      session,
      onEnd,
      ended: false,
      // setTimeout caps at 2^31-1 ms (24.8 days); access tokens live at most a day.
      timer: setTimeout(() => this.end(watcher, SESSION_EXPIRED), Math.max(0, session.expiresAt - Date.now())),
    };
    watcher.timer.unref();
    add(this.bySession, session.sessionId, watcher);
    add(this.byUser, session.userId, watcher);
    if (this.revocations) void this.recheck(watcher, this.revocations);
    return () => this.forget(watcher);
  }

  /** Number of watched connections (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const set of this.bySession.values()) count += set.size;
    return count;
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    for (const set of this.bySession.values()) for (const watcher of set) clearTimeout(watcher.timer);
    this.bySession.clear();
    this.byUser.clear();
  }

  private async recheck(watcher: Watcher, revocations: Revocations): Promise<void> {
    try {
      const revoked = await revocations.check(watcher.session);
      if (revoked) this.end(watcher, revoked.kind === 'sanctioned' ? ACCOUNT_SANCTIONED : SESSION_REVOKED);
    } catch (error) {
      // Shared state unreachable: every operation on the connection is still checked.
      this.logger.warn({ err: error }, 'revocation re-check failed');
    }
  }

  private receive(raw: string): void {
    let message: RevocationMessage;
    try {
      message = JSON.parse(raw) as RevocationMessage;
    } catch {
      this.logger.warn({ raw }, 'unreadable revocation message ignored');
      return;
    }
    const end = message.kind === 'sanctioned' ? ACCOUNT_SANCTIONED : SESSION_REVOKED;
    if (message.type === 'session') {
      for (const watcher of [...(this.bySession.get(message.sessionId) ?? [])]) this.end(watcher, end);
    } else if (message.type === 'user') {
      for (const watcher of [...(this.byUser.get(message.userId) ?? [])]) {
        // Tokens issued after the cut-off (a reinstated user signing in again) stay valid.
        if (watcher.session.issuedAt < message.validAfter) this.end(watcher, end);
      }
    }
  }

  private end(watcher: Watcher, end: SessionEnd): void {
    if (watcher.ended) return;
    this.forget(watcher);
    watcher.ended = true;
    try {
      watcher.onEnd(end);
    } catch (error) {
      this.logger.error({ err: error }, 'ending a connection failed');
    }
  }

  private forget(watcher: Watcher): void {
    clearTimeout(watcher.timer);
    remove(this.bySession, watcher.session.sessionId, watcher);
    remove(this.byUser, watcher.session.userId, watcher);
  }
}

function add(map: Map<string, Set<Watcher>>, key: string, watcher: Watcher): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(watcher);
}

function remove(map: Map<string, Set<Watcher>>, key: string, watcher: Watcher): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(watcher);
  if (set.size === 0) map.delete(key);
}
