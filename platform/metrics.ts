import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { consumerLag } from './events/consumer-lag-metrics.js';

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'operation' | 'type'>;
  latency: Histogram<'operation' | 'type'>;
  errors: Counter<'operation' | 'code'>;
}

/**
 * Process-wide: a rejection nobody handled (see platform/server/process.ts). Registered in
 * every service's registry, so each /metrics shows it for the process it runs in.
 */
export const unhandledRejections = new Counter({
  name: 'process_unhandled_rejections_total',
  help: 'Promise rejections nobody handled (logged; the process keeps running)',
  registers: [],
});

/** One registry per service, labelled with the service so replicas and processes aggregate cleanly. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(unhandledRejections);
  registry.registerMetric(consumerLag);
  return {
    registry,
    requests: new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL operations executed, by operation name and type',
      labelNames: ['operation', 'type'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL operation latency, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by operation and error code',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
  };
}

/** Records every operation's count, latency and error codes. */
export function metricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const stopTimer = metrics.latency.startTimer();
      let operation = 'anonymous';
      let type = 'unknown';
      return {
        async didResolveOperation(ctx) {
          operation = ctx.operationName ?? 'anonymous';
          type = ctx.operation?.operation ?? 'unknown';
        },
        async willSendResponse(ctx) {
          metrics.requests.inc({ operation, type });
          stopTimer({ operation, type });
          const body = ctx.response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
          for (const error of errors ?? []) {
            metrics.errors.inc({ operation, code: String(error.extensions?.code ?? 'UNKNOWN') });
          }
        },
      };
    },
  };
}
