import type { FilterQuery } from '@mikro-orm/core';
import type { Logger } from '../../../platform/logger.js';
import type { Orm } from '../../../platform/orm.js';
import { Message } from '../entities/message.js';

/** Rows settled per pass; the next pass takes the rest. */
const BATCH = 100;

/** A STREAMING reply whose progress stopped before `cutoff` (rows older than the column count by creation). */
export function staleSince(cutoff: Date): FilterQuery<Message> {
  return {
    status: 'STREAMING',
    $or: [{ progressAt: { $lt: cutoff } }, { progressAt: null, createdAt: { $lt: cutoff } }],
  };
}

/**
 * Settles replies left STREAMING by a replica that died: at start-up and then periodically,
 * any reply with no recorded progress for `staleAfterMs` is handed to `settle`, which
 * stores it FAILED with its text so far under the same condition, so of several replicas
 * sweeping at once exactly one settles each reply.
 */
export class ReplySweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      orm: Orm;
      logger: Logger;
      staleAfterMs: number;
      intervalMs: number;
      /** Settles one reply if it is still stale at `cutoff`; true when this call settled it. */
      settle: (reply: Message, cutoff: Date) => Promise<boolean>;
    },
  ) {}

  start(): void {
    void this.sweep();
    this.timer ??= setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** One pass; resolves with how many replies this replica settled (errors are logged, never thrown). */
  sweep(): Promise<number> {
    this.sweeping ??= this.pass().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async pass(): Promise<number> {
    const { orm, logger, staleAfterMs, settle } = this.deps;
    const cutoff = new Date(Date.now() - staleAfterMs);
    let settled = 0;
    try {
      const stale = await orm.em
        .fork()
        .find(Message, staleSince(cutoff), { populate: ['conversation'], orderBy: { id: 'asc' }, limit: BATCH });
      for (const reply of stale) {
        try {
          if (await settle(reply, cutoff)) settled += 1;
        } catch (error) {
          logger.warn({ err: error, replyId: reply.id }, 'stalled reply not settled; next pass retries');
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'reply sweep failed; next pass retries');
    }
    if (settled) logger.info({ settled }, 'settled replies whose replica stopped');
    return settled;
  }
}
