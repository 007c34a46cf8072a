/**
 * The analytics subgraph: ingest throughput (analytics-events → history + rollups + realtime
 * counters) against an anchor measured in the same run (one unnest insert of the same rows,
 * narrow, nothing else); end-to-end lag at a steady publish rate; p95 of the metric queries
 * over generated history; liveMetrics with many subscribers. In-process, on the profile the
 * environment selects (DATABASE_URL, REDIS_URL, KAFKA_BROKERS), under names of this run only.
 *
 * Knobs (defaults are the sizes; use small ones on a shared machine):
 * BENCH_ANALYTICS_INGEST (200,000 events), BENCH_ANALYTICS_LAG_RATE (5,000 events/s for
 * BENCH_ANALYTICS_LAG_SECONDS 10), BENCH_ANALYTICS_HISTORY (10,000,000 events, 10,000 users,
 * 30 days, written by `npm run analytics:generate`), BENCH_ANALYTICS_QUERIES (100 per query),
 * BENCH_ANALYTICS_SUBSCRIBERS (1,000 for BENCH_ANALYTICS_LIVE_SECONDS 10).
 */
import { Registry } from 'prom-client';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { Loaders } from '../platform/loaders.js';
import { loadConfig } from '../platform/config.js';
import { createEventBus } from '../platform/events/index.js';
import { consumeEventBatches } from '../platform/events/typed-batch-consumer.js';
import { createLogger } from '../platform/logger.js';
import { openDatabase, type Orm } from '../platform/orm.js';
import { Topic } from '../schema/events/contracts.js';
import { analyticsEvents } from '../subgraphs/analytics/events.js';
import { analyticsSubgraph } from '../subgraphs/analytics/schema.js';
import { History } from '../subgraphs/analytics/services/history.js';
import { IngestService } from '../subgraphs/analytics/services/ingest-service.js';
import { LiveMetrics } from '../subgraphs/analytics/services/live-metrics.js';
import { analyticsMetrics } from '../subgraphs/analytics/services/metrics.js';
import { QueryService } from '../subgraphs/analytics/services/query-service.js';
import { createMemoryRealtimeStore } from '../subgraphs/analytics/services/realtime/memory-store.js';
import { createRedisRealtimeStore } from '../subgraphs/analytics/services/realtime/redis-store.js';
import type { RealtimeStore } from '../subgraphs/analytics/services/realtime/store.js';
import { cleanUp, out, percentile, runIdOf, serverEnv, verdict } from './common.js';
import { envNumber, formatNumber, printTable, type Benchmark } from './harness.js';
import { ROOT } from './servers.js';

const INGEST_TARGET = 50_000;
const LAG_TARGET_MS = 2_000;
const QUERY_TARGET_MS = 50;
const PUBLISH_CHUNK = 5_000;

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the ingest');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function syntheticEvent(userId: string, occurredAt = new Date().toISOString()) {
  return {
    id: uuidv7(),
    type: 'message.sent',
    occurredAt,
    actorId: userId,
    userId,
    payload: { conversationId: userId, messageId: uuidv7(), companionId: userId, length: 42 },
  };
}

export const analytics: Benchmark = {
  name: 'analytics',
  description: 'ingest throughput and lag, metric query p95 over generated history, liveMetrics fan-out',
  async run() {
    const env = process.env;
    const ingestEvents = envNumber(env, 'BENCH_ANALYTICS_INGEST', 200_000, 1);
    const lagRate = envNumber(env, 'BENCH_ANALYTICS_LAG_RATE', 5_000, 1);
    const lagSeconds = envNumber(env, 'BENCH_ANALYTICS_LAG_SECONDS', 10, 1);
    const historyEvents = envNumber(env, 'BENCH_ANALYTICS_HISTORY', 10_000_000, 1);
    const historyUsers = envNumber(env, 'BENCH_ANALYTICS_USERS', 10_000, 1);
    const queryRounds = envNumber(env, 'BENCH_ANALYTICS_QUERIES', 100, 1);
    const subscribers = envNumber(env, 'BENCH_ANALYTICS_SUBSCRIBERS', 1_000, 1);
    const liveSeconds = envNumber(env, 'BENCH_ANALYTICS_LIVE_SECONDS', 10, 1);

    const runId = runIdOf();
    const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-analytics-'));
    const benchEnv = { ...serverEnv(env, runId, dataDir), ANALYTICS_BATCH_SIZE: '5000' };
    const config = loadConfig(benchEnv);
    const logger = createLogger('bench-analytics', 'error');
    const bus = createEventBus(config, logger);
    let orm: Orm | undefined;
    let realtime: RealtimeStore | undefined;
    try {
      const open = () =>
        openDatabase({
          service: 'analytics',
          config,
          logger,
          entities: analyticsSubgraph.entities,
          migrations: analyticsSubgraph.migrations,
        });
      orm = await open();
      realtime = config.REDIS_URL
        ? createRedisRealtimeStore(config.REDIS_URL, config.REDIS_KEY_PREFIX)
        : createMemoryRealtimeStore();
      const history = new History(orm, 400);
      const ingest = new IngestService({
        orm,
        history,
        realtime,
        metrics: analyticsMetrics(new Registry()),
        logger,
        batchSize: 5000,
      });
      const users = Array.from({ length: 1000 }, () => uuidv7());

      // 1. Throughput: the topic filled first, then drained by the consumer group.
      for (let sent = 0; sent < ingestEvents; sent += PUBLISH_CHUNK) {
        const chunk = Array.from({ length: Math.min(PUBLISH_CHUNK, ingestEvents - sent) }, (_, i) => {
          const event = syntheticEvent(users[(sent + i) % users.length]!);
          return { key: event.userId, value: JSON.stringify(event) };
        });
        await bus.publish(Topic.analytics, chunk);
      }
      let stored = 0;
      let lagging = false;
      const lags: number[] = [];
      const started = performance.now();
      const consumer = await consumeEventBatches(bus, logger, analyticsEvents, async (events) => {
        const result = await ingest.ingest(events);
        stored += result.stored;
        if (lagging) {
          const now = Date.now();
          for (const event of events) lags.push(now - Date.parse(event.occurredAt));
        }
      });
      try {
        await until(() => stored >= ingestEvents, 600_000);
        const elapsed = (performance.now() - started) / 1000;
        const rate = ingestEvents / elapsed;

        // The anchor: the same number of narrow rows in one unnest insert per 50,000.
        await orm.em
          .fork()
          .getConnection()
          .execute('create table "bench_anchor" ("id" uuid, "user_id" uuid, "at" timestamptz)');
        const anchorStarted = performance.now();
        for (let done = 0; done < ingestEvents; done += 50_000) {
          const n = Math.min(50_000, ingestEvents - done);
          const ids = Array.from({ length: n }, () => uuidv7());
          await orm.em
            .fork()
            .getConnection()
            .execute(`insert into "bench_anchor" select i, i, now() from unnest(?::uuid[]) as r(i)`, [
              `{${ids.join(',')}}`,
            ]);
        }
        const anchorRate = ingestEvents / ((performance.now() - anchorStarted) / 1000);
        out(
          `ingest: ${formatNumber(ingestEvents)} events in ${elapsed.toFixed(1)} s = ${formatNumber(Math.round(rate))} events/s ` +
            `(anchor, narrow unnest insert: ${formatNumber(Math.round(anchorRate))} rows/s)`,
        );
        out(
          verdict(
            rate >= INGEST_TARGET,
            `≥ ${formatNumber(INGEST_TARGET)} events/s`,
            `${formatNumber(Math.round(rate))} events/s`,
          ),
        );

        // 2. Lag at a steady rate: publish time to stored (batch committed, counters written).
        lagging = true;
        const lagTotal = Math.round(lagRate * lagSeconds);
        const before = stored;
        const tickMs = 100;
        const perTick = Math.max(1, Math.round((lagRate * tickMs) / 1000));
        for (let sent = 0; sent < lagTotal; sent += perTick) {
          const tickStart = Date.now();
          const chunk = Array.from({ length: Math.min(perTick, lagTotal - sent) }, (_, i) => {
            const event = syntheticEvent(users[(sent + i) % users.length]!);
            return { key: event.userId, value: JSON.stringify(event) };
          });
          await bus.publish(Topic.analytics, chunk);
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - tickStart))));
        }
        await until(() => stored >= before + lagTotal, 120_000);
        const p50 = percentile(lags, 50);
        const p99 = percentile(lags, 99);
        out(`end-to-end lag at ${formatNumber(lagRate)} events/s for ${lagSeconds} s: p50 ${p50} ms, p99 ${p99} ms`);
        out(verdict(p99 < LAG_TARGET_MS, `p99 < ${LAG_TARGET_MS} ms`, `${p99} ms`));
      } finally {
        await consumer.close();
      }

      // 3. Queries over generated history (written by the generator, rollups built in SQL).
      // The generator is its own process: an embedded database is released to it meanwhile.
      await orm.close();
      orm = undefined;
      const generateStarted = performance.now();
      await promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'dist/subgraphs/analytics/generate.js'),
          '--users',
          String(historyUsers),
          '--days',
          '30',
          '--events',
          String(historyEvents),
        ],
        { env: benchEnv, maxBuffer: 64 * 1024 * 1024 },
      );
      out(
        `history: ${formatNumber(historyEvents)} events (target) for ${formatNumber(historyUsers)} users generated in ` +
          `${((performance.now() - generateStarted) / 1000).toFixed(1)} s`,
      );
      const db = (orm = await open());
      const queries = new QueryService();
      const scope = () => ({
        requestId: 'bench',
        identity: { userId: users[0]!, role: 'ANALYST' as const, sessionId: users[0]! },
        em: db.em.fork(),
        loaders: new Loaders(),
        logger,
      });
      const cases: [string, () => Promise<unknown>][] = [
        ['platformMetrics (30 days)', () => queries.platformMetrics(scope())],
        ['eventsByDay (30 days)', () => queries.eventsByDay(scope(), null, 30)],
        ['topUsers (30 days)', () => queries.topUsers(scope(), null, null, 10)],
        [
          '4-step funnel (30 days)',
          () =>
            queries.conversionFunnel(scope(), [
              'user.registered',
              'conversation.started',
              'message.sent',
              'subscription.created',
            ]),
        ],
      ];
      const rows = [];
      let allMet = true;
      for (const [name, call] of cases) {
        await call(); // warm: plans, caches
        const times: number[] = [];
        for (let i = 0; i < queryRounds; i++) {
          const start = performance.now();
          await call();
          times.push(performance.now() - start);
        }
        const p95 = percentile(times, 95);
        allMet &&= p95 <= QUERY_TARGET_MS;
        rows.push({ query: name, p50_ms: percentile(times, 50), p95_ms: p95, rounds: queryRounds });
      }
      printTable(rows);
      out(
        verdict(
          allMet,
          `p95 ≤ ${QUERY_TARGET_MS} ms each`,
          rows.map((row) => `${formatNumber(row.p95_ms)} ms`).join(', '),
        ),
      );

      // 4. liveMetrics: one ticker per replica for every subscriber.
      let reads = 0;
      const store = realtime;
      const counted: RealtimeStore = { ...store, snapshot: (now) => ((reads += 1), store.snapshot(now)) };
      const live = new LiveMetrics({ realtime: counted, metrics: analyticsMetrics(new Registry()), logger });
      const queues = Array.from({ length: subscribers }, () => live.follow(1));
      let delivered = 0;
      const drains = queues.map(async (queue) => {
        for await (const _snapshot of queue) delivered += 1;
      });
      const cpuBefore = process.cpuUsage();
      const liveStarted = performance.now();
      await new Promise((resolve) => setTimeout(resolve, liveSeconds * 1000));
      const cpu = process.cpuUsage(cpuBefore);
      const liveElapsed = (performance.now() - liveStarted) / 1000;
      live.stop();
      await Promise.all(drains);
      out(
        `liveMetrics: ${formatNumber(subscribers)} subscribers at 1 Hz for ${liveSeconds} s: ${reads} store reads ` +
          `(${(reads / liveElapsed).toFixed(2)} per second), ${formatNumber(delivered)} deliveries, ` +
          `process CPU ${(((cpu.user + cpu.system) / 1000 / liveElapsed / 1000) * 100).toFixed(1)} % of a core ` +
          `(in-process fan-out; the gateway's share is not measured here)`,
      );
    } finally {
      await realtime?.close();
      await bus.close();
      await orm?.close();
      rmSync(dataDir, { recursive: true, force: true });
      await cleanUp(benchEnv, runId);
    }
  },
};
