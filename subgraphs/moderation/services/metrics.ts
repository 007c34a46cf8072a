import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Moderation's own Prometheus metrics, on the subgraph's registry (served at /metrics). */

export interface ModerationMetrics {
  decisions: Counter<'outcome' | 'mode' | 'provider' | 'content_type'>;
  classificationSeconds: Histogram<'provider'>;
  classifierErrors: Counter<'provider'>;
  classifierFallbacks: Counter<'provider'>;
  erasedAuthorContentDropped: Counter;
  queueDepth: Gauge;
  oldestPendingSeconds: Gauge;
}

/** Where the queue gauges read from when Prometheus scrapes (the subgraph's database). */
export type QueueSource = () => Promise<{ depth: number; oldestSeconds: number | null }>;

export function moderationMetrics(registry: Registry, queueSource: QueueSource): ModerationMetrics {
  return {
    decisions: new Counter({
      name: 'moderation_decisions_total',
      help: 'Moderation decisions by outcome (APPROVED, REJECTED), mode (automatic, human, appeal), classifier and content type',
      labelNames: ['outcome', 'mode', 'provider', 'content_type'],
      registers: [registry],
    }),
    classificationSeconds: new Histogram({
      name: 'moderation_classification_duration_seconds',
      help: 'Time to classify one piece of content, by classifier',
      labelNames: ['provider'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    classifierErrors: new Counter({
      name: 'moderation_classifier_errors_total',
      help: 'Classifications that failed (the content goes to the human queue)',
      labelNames: ['provider'],
      registers: [registry],
    }),
    classifierFallbacks: new Counter({
      name: 'moderation_classifier_fallbacks_total',
      help: 'Classifications answered by a fallback classifier',
      labelNames: ['provider'],
      registers: [registry],
    }),
    erasedAuthorContentDropped: new Counter({
      name: 'moderation_erased_author_content_dropped_total',
      help: 'Content events of erased users dropped at intake (they arrived after the erasure)',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'moderation_queue_depth',
      help: 'Cases waiting for a moderator (PENDING, ESCALATED, APPEALED)',
      registers: [registry],
      async collect() {
        const queue = await queueSource();
        if (queue) this.set(queue.depth);
      },
    }),
    oldestPendingSeconds: new Gauge({
      name: 'moderation_queue_oldest_age_seconds',
      help: 'Age of the oldest case waiting for a moderator',
      registers: [registry],
      async collect() {
        const queue = await queueSource();
        if (queue) this.set(queue.oldestSeconds ?? 0);
      },
    }),
  };
}
