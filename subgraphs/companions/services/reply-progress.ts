import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { Message } from '../entities/message.js';

interface Live {
  content: string;
  flushed: string;
  flushedAt: number;
}

/**
 * Makes the replies this replica generates durable as they stream: on a timer (not per
 * chunk) it writes each live reply's text so far and a progress timestamp to its row, and
 * refreshes the timestamp of a reply still waiting for tokens. If the process dies, the
 * text is in the database and the stalled timestamp tells the sweeper to settle it.
 */
export class ReplyProgress {
  private readonly live = new Map<string, Live>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      orm: Orm;
      logger: Logger;
      /** How often live replies are written. */
      intervalMs: number;
      /** A reply with no new text is still marked alive this often. */
      heartbeatMs: number;
    },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  begin(replyId: string): void {
    this.live.set(replyId, { content: '', flushed: '', flushedAt: Date.now() });
  }

  update(replyId: string, content: string): void {
    const entry = this.live.get(replyId);
    if (entry) entry.content = content;
  }

  end(replyId: string): void {
    this.live.delete(replyId);
  }

  isLive(replyId: string): boolean {
    return this.live.has(replyId);
  }

  /** One write per live reply that changed (or is due a heartbeat); never overlapping. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const now = Date.now();
    const due = [...this.live].filter(
      ([, entry]) => entry.content !== entry.flushed || now - entry.flushedAt >= this.deps.heartbeatMs,
    );
    await Promise.all(
      due.map(async ([id, entry]) => {
        const content = entry.content;
        try {
          // Only while STREAMING: the final write of finish() must never be overwritten.
          await this.deps.orm.em
            .fork()
            .nativeUpdate(Message, { id, status: 'STREAMING' }, { content, progressAt: new Date() });
          entry.flushed = content;
          entry.flushedAt = now;
        } catch (error) {
          this.deps.logger.warn({ err: error, replyId: id }, 'reply progress not saved; retrying');
        }
      }),
    );
  }
}
