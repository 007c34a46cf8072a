import { Gauge, type Registry } from 'prom-client';
import type { Orm } from './orm.js';

/** The slice of pg's Pool read here. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

/**
 * The subgraph's PostgreSQL connection pool: connections in use, idle, requests waiting, and
 * the pool's size (DatabasePoolSaturated alert). The embedded database has no pool: the
 * series stay empty there.
 */
export function registerDbPoolMetrics(orm: Orm, registry: Registry): void {
  const connection = orm.em.getConnection() as { getNativeClient?: () => Promise<unknown> };
  let pool: PoolCounts | undefined;
  if (orm.config.get('clientUrl') && connection.getNativeClient) {
    void connection
      .getNativeClient()
      .then((client) => {
        if (client && typeof (client as PoolCounts).totalCount === 'number') pool = client as PoolCounts;
      })
      .catch(() => undefined);
  }
  const size = new Gauge({
    name: 'db_pool_max_connections',
    help: 'Size of the PostgreSQL connection pool',
    registers: [],
  });
  const connections = new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state (used, idle, waiting = requests queued for one)',
    labelNames: ['state'],
    registers: [],
    collect() {
      if (!pool) return;
      this.set({ state: 'used' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
      size.set(pool.options.max ?? 10);
    },
  });
  registry.registerMetric(connections);
  registry.registerMetric(size);
}
