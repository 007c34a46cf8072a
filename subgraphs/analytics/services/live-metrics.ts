import { AsyncQueue } from '../../../platform/async-queue.js';
import type { Logger } from '../../../platform/logger.js';
import type { AnalyticsMetrics } from './metrics.js';
import type { RealtimeSnapshot, RealtimeStore } from './realtime/store.js';

interface Ticker {
  subscribers: Set<AsyncQueue<RealtimeSnapshot>>;
  timer: NodeJS.Timeout;
}

/**
 * liveMetrics: one ticker per interval per replica, whatever the number of subscribers.
 * Each tick reads the realtime store once and hands the snapshot to every subscriber; the
 * ticker starts with the first subscriber and stops with the last.
 */
export class LiveMetrics {
  private readonly tickers = new Map<number, Ticker>();

  constructor(private readonly deps: { realtime: RealtimeStore; metrics: AnalyticsMetrics; logger: Logger }) {}

  follow(intervalSeconds: number): AsyncQueue<RealtimeSnapshot> {
    let ticker = this.tickers.get(intervalSeconds);
    if (!ticker) {
      const created: Ticker = {
        subscribers: new Set(),
        timer: setInterval(() => void this.tick(created), intervalSeconds * 1000),
      };
      ticker = created;
      this.tickers.set(intervalSeconds, ticker);
    }
    const queue: AsyncQueue<RealtimeSnapshot> = new AsyncQueue(() => this.leave(intervalSeconds, queue));
    ticker.subscribers.add(queue);
    return queue;
  }

  /** How many tickers run (1,000 subscribers on one interval: 1). */
  get running(): number {
    return this.tickers.size;
  }

  stop(): void {
    for (const ticker of this.tickers.values()) {
      clearInterval(ticker.timer);
      for (const queue of ticker.subscribers) queue.end();
    }
    this.tickers.clear();
  }

  private async tick(ticker: Ticker): Promise<void> {
    try {
      this.deps.metrics.liveReads.inc();
      const snapshot = await this.deps.realtime.snapshot();
      for (const queue of ticker.subscribers) queue.push(snapshot);
    } catch (error) {
      // A missed tick: the next one tries again.
      this.deps.logger.warn({ err: error }, 'liveMetrics could not read the realtime store');
    }
  }

  private leave(intervalSeconds: number, queue: AsyncQueue<RealtimeSnapshot>): void {
    const ticker = this.tickers.get(intervalSeconds);
    if (!ticker) return;
    ticker.subscribers.delete(queue);
    if (ticker.subscribers.size === 0) {
      clearInterval(ticker.timer);
      this.tickers.delete(intervalSeconds);
    }
  }
}
