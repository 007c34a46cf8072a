import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * How close users come to the subscription caps (SubscriptionsNearCap alert): subscriptions
 * refused at a cap, the caps themselves, and the most one user holds on this replica.
 * Registered in the gateway's registry by gateway-server.ts.
 */
export const capRefusals = new Counter({
  name: 'gateway_subscription_cap_refusals_total',
  help: 'Subscriptions refused at a cap, by scope (connection, user)',
  labelNames: ['scope'],
  registers: [],
});

export const capLimits = new Gauge({
  name: 'gateway_subscription_cap',
  help: 'Configured subscription caps, by scope (connection, user)',
  labelNames: ['scope'],
  registers: [],
});

export const mostHeldByOneUser = new Gauge({
  name: 'gateway_subscriptions_max_per_user',
  help: 'The most subscriptions one user holds open on this gateway replica',
  registers: [],
});

export function registerCapMetrics(registry: Registry): void {
  for (const metric of [capRefusals, capLimits, mostHeldByOneUser]) registry.registerMetric(metric);
}
