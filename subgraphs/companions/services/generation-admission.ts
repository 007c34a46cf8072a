import { Gauge, type Registry } from 'prom-client';
import { STREAMING_PRIORITIES, type StreamingPriority } from '../../../platform/plans.js';
import { LlmError } from './llm/provider.js';

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

/**
 * A bounded number of reply generations per replica. When every slot is busy, waiting replies
 * start by their plan's streaming priority, highest first, and in arrival order within a
 * priority. A waiter whose signal aborts (the reply was cancelled) leaves the queue at once.
 */
export class GenerationAdmission {
  private running = 0;
  /** One FIFO queue per priority, lowest first (the order of STREAMING_PRIORITIES). */
  private readonly queues = new Map<StreamingPriority, Waiter[]>(
    STREAMING_PRIORITIES.map((priority) => [priority, []]),
  );

  constructor(readonly maxConcurrent: number) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new Error('maxConcurrent must be at least 1');
  }

  /** Resolves with the slot's release once the generation may start. */
  acquire(priority: StreamingPriority, signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(cancelledWhileQueued());
    if (this.running < this.maxConcurrent && this.waiting() === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const queue = this.queues.get(priority)!;
      const onAbort = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(cancelledWhileQueued());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Generations holding a slot. */
  get active(): number {
    return this.running;
  }

  /** Replies waiting for a slot, of one priority or of all. */
  waiting(priority?: StreamingPriority): number {
    if (priority) return this.queues.get(priority)!.length;
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  private releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.admitNext();
    };
  }

  private admitNext(): void {
    for (let i = STREAMING_PRIORITIES.length - 1; i >= 0; i--) {
      const waiter = this.queues.get(STREAMING_PRIORITIES[i]!)!.shift();
      if (waiter) {
        this.running++;
        waiter.grant(this.releaser());
        return;
      }
    }
  }
}

function cancelledWhileQueued() {
  return new LlmError('cancelled', 'The reply was cancelled while waiting for a generation slot');
}

/** `companions_generations_queued{priority}` and `companions_generations_running`, read at scrape time. */
export function registerAdmissionMetrics(registry: Registry, admission: GenerationAdmission): void {
  new Gauge({
    name: 'companions_generations_queued',
    help: 'Replies waiting for a generation slot (LLM_MAX_CONCURRENT_GENERATIONS), by streaming priority',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      for (const priority of STREAMING_PRIORITIES) this.set({ priority }, admission.waiting(priority));
    },
  });
  new Gauge({
    name: 'companions_generations_running',
    help: 'Replies generating now on this replica',
    registers: [registry],
    collect() {
      this.set(admission.active);
    },
  });
}
