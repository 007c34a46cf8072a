import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Moderation's own Prometheus metrics. The subgraph's /metrics serves the platform's
 * per-service registry, which services cannot reach yet; this registry is exported so the
 * lead can merge it there (Registry.merge) or hand the service registry to createServices.
 */
export const moderationRegistry = new Registry();
moderationRegistry.setDefaultLabels({ service: 'moderation' });

export interface ModerationMetrics {
  decisions: Counter<'outcome' | 'mode' | 'provider' | 'content_type'>;
  classificationSeconds: Histogram<'provider'>;
  classifierErrors: Counter<'provider'>;
  classifierFallbacks: Counter<'provider'>;
  queueDepth: Gauge;
  oldestPendingSeconds: Gauge;
}

let shared: ModerationMetrics | undefined;
let queueSource: (() => Promise<{ depth: number; oldestSeconds: number | null }>) | undefined;

/** Where the queue gauges read from when Prometheus scrapes (the subgraph's database). */
export function setQueueSource(source: typeof queueSource): void {
  queueSource = source;
}

/** One set per process (prom-client refuses two metrics of one name on a registry). */
export function moderationMetrics(): ModerationMetrics {
  shared ??= {
    decisions: new Counter({
      name: 'moderation_decisions_total',
      help: 'Moderation decisions by outcome (APPROVED, REJECTED), mode (automatic, human, appeal), classifier and content type',
      labelNames: ['outcome', 'mode', 'provider', 'content_type'],
      registers: [moderationRegistry],
    }),
    classificationSeconds: new Histogram({
      name: 'moderation_classification_duration_seconds',
      help: 'Time to classify one piece of content, by classifier',
      labelNames: ['provider'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [moderationRegistry],
    }),
    classifierErrors: new Counter({
      name: 'moderation_classifier_errors_total',
      help: 'Classifications that failed (the content goes to the human queue)',
      labelNames: ['provider'],
      registers: [moderationRegistry],
    }),
    classifierFallbacks: new Counter({
      name: 'moderation_classifier_fallbacks_total',
      help: 'Classifications answered by a fallback classifier',
      labelNames: ['provider'],
      registers: [moderationRegistry],
    }),
    queueDepth: new Gauge({
      name: 'moderation_queue_depth',
      help: 'Cases waiting for a moderator (PENDING, ESCALATED, APPEALED)',
      registers: [moderationRegistry],
      async collect() {
        const queue = await queueSource?.();
        if (queue) this.set(queue.depth);
      },
    }),
    oldestPendingSeconds: new Gauge({
      name: 'moderation_queue_oldest_age_seconds',
      help: 'Age of the oldest case waiting for a moderator',
      registers: [moderationRegistry],
      async collect() {
        const queue = await queueSource?.();
        if (queue) this.set(queue.oldestSeconds ?? 0);
      },
    }),
  };
  return shared;
}
