/**
 * The analytics subgraph, four figures:
 * 1. ingest throughput (analytics-events → history + rollups + realtime counters), median of
 *    BENCH_ANALYTICS_INGEST_RUNS (3) runs, each a filled topic drained by the consumer group,
 *    against an anchor measured in the same run (unnest inserts of the same number of narrow
 *    rows, nothing else); end-to-end lag at a steady publish rate. In-process: the subgraph's
 *    own IngestService on the profile the environment selects.
 * 2. p95 of the metric queries over generated history (`analytics:generate`, its own process).
 *    BENCH_ANALYTICS_HISTORY_PREFIX names a DATABASE_PREFIX already generated (PostgreSQL
 *    only) to measure it instead of generating again.
 * 3. liveMetrics through the gateway over graphql-ws: the users, companions and analytics
 *    subgraphs and the gateway each in their own process, as production runs them; the
 *    gateway's CPU (from /proc) with 0 subscribers, then with BENCH_ANALYTICS_SUBSCRIBERS
 *    (1,000, one socket each) at 1 Hz, and the analytics subgraph's store reads per tick
 *    (its analytics_live_reads_total).
 *
 * Knobs (defaults are the issue's sizes; use small ones on a shared machine):
 * BENCH_ANALYTICS_INGEST (200,000 events a run), BENCH_ANALYTICS_LAG_RATE (5,000 events/s for
 * BENCH_ANALYTICS_LAG_SECONDS 10), BENCH_ANALYTICS_HISTORY (10,000,000 events,
 * BENCH_ANALYTICS_USERS 10,000 users, 30 days), BENCH_ANALYTICS_QUERIES (100 per query),
 * BENCH_ANALYTICS_SUBSCRIBERS (1,000 for BENCH_ANALYTICS_LIVE_SECONDS 10),
 * BENCH_ANALYTICS_SKIP (comma-separated: ingest, queries, live).
 */
import { Registry } from 'prom-client';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import { createTokenIssuer } from '../platform/auth/jwt.js';
import { Loaders } from '../platform/loaders.js';
import { loadConfig, type Config } from '../platform/config.js';
import { createEventBus } from '../platform/events/index.js';
import type { EventBus } from '../platform/events/event-bus.js';
import { consumeEventBatches } from '../platform/events/typed-batch-consumer.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { openDatabase, type Orm } from '../platform/orm.js';
import { Topic } from '../schema/events/contracts.js';
import { analyticsEvents } from '../subgraphs/analytics/events.js';
import { analyticsSubgraph } from '../subgraphs/analytics/schema.js';
import { loadAnalyticsSettings } from '../subgraphs/analytics/settings.js';
import { funnelPartsOn } from '../subgraphs/analytics/services/funnel-runner.js';
import { History } from '../subgraphs/analytics/services/history.js';
import { IngestService } from '../subgraphs/analytics/services/ingest-service.js';
import { analyticsMetrics } from '../subgraphs/analytics/services/metrics.js';
import { QueryService } from '../subgraphs/analytics/services/query-service.js';
import { createMemoryRealtimeStore } from '../subgraphs/analytics/services/realtime/memory-store.js';
import { createRedisRealtimeStore } from '../subgraphs/analytics/services/realtime/redis-store.js';
import type { RealtimeStore } from '../subgraphs/analytics/services/realtime/store.js';
import { boundRows } from '../subgraphs/analytics/services/sql.js';
import { cleanUp, mapLimit, median, out, percentile, runIdOf, serverEnv, verdict } from './common.js';
import { envNumber, formatNumber, printTable, type Benchmark } from './harness.js';
import { freePorts, ROOT, ServerProcess, startGateway, startSubgraphs } from './servers.js';
import { WsSession } from './streaming-client.js';

const INGEST_TARGET = 50_000;
const LAG_TARGET_MS = 2_000;
const QUERY_TARGET_MS = 50;
const PUBLISH_CHUNK = 5_000;
const BATCH_SIZE = 5_000;
const ANCHOR_CHUNK = 50_000;

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
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

async function publishEvents(bus: EventBus, users: string[], count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += PUBLISH_CHUNK) {
    const chunk = Array.from({ length: Math.min(PUBLISH_CHUNK, count - sent) }, (_, i) => {
      const event = syntheticEvent(users[(sent + i) % users.length]!);
      return { key: event.userId, value: JSON.stringify(event) };
    });
    await bus.publish(Topic.analytics, chunk);
  }
}

interface Context {
  env: NodeJS.ProcessEnv;
  benchEnv: NodeJS.ProcessEnv;
  config: Config;
  logger: Logger;
  open: () => Promise<Orm>;
}

/** 1. Throughput (median of runs) against the anchor, then lag at a steady rate. */
async function ingestFigures(ctx: Context): Promise<void> {
  const { env, config, logger } = ctx;
  const ingestEvents = envNumber(env, 'BENCH_ANALYTICS_INGEST', 200_000, 1);
  const runs = Math.floor(envNumber(env, 'BENCH_ANALYTICS_INGEST_RUNS', 3, 1));
  const lagRate = envNumber(env, 'BENCH_ANALYTICS_LAG_RATE', 5_000, 1);
  const lagSeconds = envNumber(env, 'BENCH_ANALYTICS_LAG_SECONDS', 10, 1);
  const bus = createEventBus(config, logger);
  const orm = await ctx.open();
  const realtime: RealtimeStore = config.REDIS_URL
    ? createRedisRealtimeStore(config.REDIS_URL, config.REDIS_KEY_PREFIX)
    : createMemoryRealtimeStore();
  try {
    const ingest = new IngestService({
      orm,
      history: new History(orm, 400),
      realtime,
      metrics: analyticsMetrics(new Registry()),
      logger,
      batchSize: BATCH_SIZE,
    });
    const users = Array.from({ length: 1000 }, () => uuidv7());
    let stored = 0;
    let firstBatchAt = 0;
    let lagging = false;
    const lags: number[] = [];
    const consume = () =>
      consumeEventBatches(
        bus,
        logger,
        analyticsEvents,
        async (events) => {
          firstBatchAt ||= performance.now();
          const result = await ingest.ingest(events);
          stored += result.stored;
          if (lagging) {
            const now = Date.now();
            for (const event of events) lags.push(now - Date.parse(event.occurredAt));
          }
        },
        ingest.consumeOptions,
      );

    // Each run: the topic filled first, then drained by the group, timed from its first batch to
    // its last event stored (joining and leaving the group are not counted: the leaving waits
    // out an idle fetch, up to 0.5 s). Beside each rate, this process's CPU per event while
    // draining (user + system: the consumer's decoding, parsing and batch building), which
    // compares builds on a busy machine better than the rate.
    const rates: number[] = [];
    const cpuPerEvent: number[] = [];
    for (let run = 0; run < runs; run++) {
      await publishEvents(bus, users, ingestEvents);
      const before = stored;
      firstBatchAt = 0;
      const cpuBefore = process.cpuUsage();
      const consumer = await consume();
      try {
        await until(() => stored >= before + ingestEvents, 600_000, 'the ingest');
      } finally {
        rates.push(ingestEvents / ((performance.now() - firstBatchAt) / 1000));
        const cpu = process.cpuUsage(cpuBefore);
        cpuPerEvent.push((cpu.user + cpu.system) / ingestEvents);
        await consumer.close();
      }
    }
    const rate = median(rates);

    // The anchor: the same number of narrow rows, one unnest insert per 50,000, bound parameters.
    await boundRows(orm, 'create table "bench_anchor" ("id" uuid, "user_id" uuid, "at" timestamptz)', []);
    const anchorStarted = performance.now();
    for (let done = 0; done < ingestEvents; done += ANCHOR_CHUNK) {
      const ids = Array.from({ length: Math.min(ANCHOR_CHUNK, ingestEvents - done) }, () => uuidv7());
      await boundRows(orm, 'insert into "bench_anchor" select i, i, now() from unnest($1::uuid[]) as r(i)', [
        `{${ids.join(',')}}`,
      ]);
    }
    const anchorRate = ingestEvents / ((performance.now() - anchorStarted) / 1000);
    await boundRows(orm, 'drop table "bench_anchor"', []);
    out(
      `ingest: ${formatNumber(ingestEvents)} events a run, ${runs} runs: ` +
        `${rates.map((r) => formatNumber(Math.round(r))).join(', ')} events/s, median ${formatNumber(Math.round(rate))} ` +
        `(anchor, narrow unnest insert: ${formatNumber(Math.round(anchorRate))} rows/s; ratio ${(rate / anchorRate).toFixed(2)})`,
    );
    const outside = config.DATABASE_URL
      ? 'PostgreSQL, Kafka and Redis not included'
      : 'PGlite and the in-process bus included, they run in it';
    out(
      `ingest CPU of this process (consumer, parse, batch building): ${cpuPerEvent.map((us) => us.toFixed(1)).join(', ')} µs an event, ` +
        `median ${median(cpuPerEvent).toFixed(1)} (${outside})`,
    );
    out(
      verdict(
        rate >= INGEST_TARGET,
        `≥ ${formatNumber(INGEST_TARGET)} events/s`,
        `${formatNumber(Math.round(rate))} events/s`,
      ),
    );

    // Lag at a steady rate: publish time to stored (batch committed, counters written).
    const consumer = await consume();
    try {
      lagging = true;
      const lagTotal = Math.round(lagRate * lagSeconds);
      const before = stored;
      const tickMs = 100;
      const perTick = Math.max(1, Math.round((lagRate * tickMs) / 1000));
      for (let sent = 0; sent < lagTotal; sent += perTick) {
        const tickStart = Date.now();
        await publishEvents(bus, users, Math.min(perTick, lagTotal - sent));
        await sleep(Math.max(0, tickMs - (Date.now() - tickStart)));
      }
      await until(() => stored >= before + lagTotal, 120_000, 'the lag run');
    } finally {
      await consumer.close();
    }
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    out(`end-to-end lag at ${formatNumber(lagRate)} events/s for ${lagSeconds} s: p50 ${p50} ms, p99 ${p99} ms`);
    out(verdict(p99 < LAG_TARGET_MS, `p99 < ${LAG_TARGET_MS} ms`, `${p99} ms`));
  } finally {
    await realtime.close();
    await bus.close();
    await orm.close();
  }
}

const FUNNEL_STEPS = ['user.registered', 'conversation.started', 'message.sent', 'subscription.created'];

/** 2. Queries over generated history (written by the generator, rollups built in SQL). */
async function queryFigures(ctx: Context): Promise<void> {
  const { env, logger } = ctx;
  const historyEvents = envNumber(env, 'BENCH_ANALYTICS_HISTORY', 10_000_000, 1);
  const historyUsers = envNumber(env, 'BENCH_ANALYTICS_USERS', 10_000, 1);
  const queryRounds = envNumber(env, 'BENCH_ANALYTICS_QUERIES', 100, 1);
  const existing = env.BENCH_ANALYTICS_HISTORY_PREFIX;
  let open = ctx.open;
  if (existing && env.DATABASE_URL) {
    const config = loadConfig({ ...ctx.benchEnv, DATABASE_PREFIX: existing });
    open = () =>
      openDatabase({
        service: 'analytics',
        config,
        logger,
        entities: analyticsSubgraph.entities,
        migrations: analyticsSubgraph.migrations,
      });
    out(`history: the database already generated under prefix ${existing}`);
  } else {
    // The generator is its own process, as a user runs it.
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
      { env: ctx.benchEnv, maxBuffer: 64 * 1024 * 1024 },
    );
    out(
      `history: ${formatNumber(historyEvents)} events for ${formatNumber(historyUsers)} users generated in ` +
        `${((performance.now() - generateStarted) / 1000).toFixed(1)} s`,
    );
  }
  const db = await open();
  try {
    const [count] = await boundRows<{ n: string }>(
      db,
      'select sum("events")::bigint as "n" from "analytics_daily"',
      [],
    );
    out(`history holds ${formatNumber(Number(count?.n ?? 0))} events`);
    // As the subgraph runs it (services/index.ts), and in one part: the baseline the split is against.
    const funnelParts = funnelPartsOn(db, loadAnalyticsSettings(ctx.benchEnv).funnelParts);
    const queries = new QueryService({ funnelParts });
    const onePart = new QueryService({ funnelParts: 1 });
    const analyst = uuidv7();
    const scope = () => ({
      requestId: 'bench',
      identity: { userId: analyst, role: 'ANALYST' as const, sessionId: analyst },
      em: db.em.fork(),
      loaders: new Loaders(),
      logger,
    });
    const cases: [string, () => Promise<unknown>][] = [
      ['platformMetrics (30 days)', () => queries.platformMetrics(scope())],
      ['eventsByDay (30 days)', () => queries.eventsByDay(scope(), null, 30)],
      ['topUsers (30 days)', () => queries.topUsers(scope(), null, null, 10)],
      ...[queries, ...(funnelParts > 1 ? [onePart] : [])].map((service, i): [string, () => Promise<unknown>] => [
        `4-step funnel (30 days)${i === 0 ? '' : ', one part (baseline)'}`,
        () => service.conversionFunnel(scope(), FUNNEL_STEPS),
      ]),
    ];
    // Round by round across the queries, so the host's drift (a third within minutes, seen)
    // falls on each of them alike, and on the funnel and its baseline alike.
    for (const [, call] of cases) await call(); // warm: plans, caches
    const times = cases.map((): number[] => []);
    for (let round = 0; round < queryRounds; round++) {
      for (const [i, [, call]] of cases.entries()) {
        const start = performance.now();
        await call();
        times[i]!.push(performance.now() - start);
      }
    }
    const rows = cases.map(([name], i) => ({
      query: name,
      p50_ms: percentile(times[i]!, 50),
      p95_ms: percentile(times[i]!, 95),
      rounds: queryRounds,
    }));
    printTable(rows);
    const measured = rows.filter((row) => !row.query.endsWith('(baseline)'));
    out(
      verdict(
        measured.every((row) => row.p95_ms <= QUERY_TARGET_MS),
        `p95 ≤ ${QUERY_TARGET_MS} ms each`,
        measured.map((row) => `${formatNumber(row.p95_ms)} ms`).join(', '),
      ),
    );
    if (rows.length > measured.length) {
      const [split, whole] = rows.slice(-2);
      out(
        `funnel in ${funnelParts} parts: ${(split!.p50_ms / whole!.p50_ms).toFixed(2)}× the one-part p50 ` +
          `(${formatNumber(split!.p50_ms)} against ${formatNumber(whole!.p50_ms)} ms)`,
      );
    }
  } finally {
    await db.close();
  }
}

const LIVE = `subscription { liveMetrics(intervalSeconds: 1) { currentActiveUsers eventsPerSecond todayEvents todayActiveUsers } }`;

/** 3. liveMetrics through the gateway: gateway CPU idle, then with every subscriber. */
async function liveFigures(ctx: Context): Promise<void> {
  const { env, benchEnv, config } = ctx;
  const subscribers = Math.floor(envNumber(env, 'BENCH_ANALYTICS_SUBSCRIBERS', 1_000, 1));
  const seconds = envNumber(env, 'BENCH_ANALYTICS_LIVE_SECONDS', 10, 1);
  const subgraphs = await startSubgraphs(benchEnv);
  let analytics: ServerProcess | undefined;
  let gateway: ServerProcess | undefined;
  let sessions: WsSession[] = [];
  try {
    const [port] = await freePorts(1);
    analytics = await ServerProcess.start({
      name: 'analytics subgraph',
      args: [join(ROOT, 'dist/subgraphs/analytics/main.js')],
      env: {
        ...benchEnv,
        ANALYTICS_PORT: String(port),
        ...(benchEnv.DATA_DIR ? { DATA_DIR: join(benchEnv.DATA_DIR, 'analytics') } : {}),
      },
      url: `http://127.0.0.1:${port}/graphql`,
      readyPath: '/health/ready',
    });
    gateway = await startGateway({ ...benchEnv, ANALYTICS_URL: analytics.url }, subgraphs.urls);
    const gatewayProcess = gateway;
    const analyticsProcess = analytics;
    // Analysts, one socket each, as 1,000 dashboards would be (tokens the gateway verifies).
    const issuer = createTokenIssuer({ secret: config.jwtSecret, issuer: config.JWT_ISSUER, ttlSeconds: 3_600 });
    const tokens = await mapLimit(Array.from({ length: subscribers }), 32, async () => {
      const id = uuidv7();
      return (await issuer.sign({ userId: id, role: 'ANALYST', sessionId: uuidv7() })).token;
    });
    const cpuOver = async (ms: number) => {
      const [cpu0, reads0, t0] = [
        await gatewayProcess.cpuMs(),
        (await analyticsProcess.metrics()).value('analytics_live_reads_total'),
        performance.now(),
      ];
      await sleep(ms);
      const [cpu1, reads1, t1] = [
        await gatewayProcess.cpuMs(),
        (await analyticsProcess.metrics()).value('analytics_live_reads_total'),
        performance.now(),
      ];
      const elapsed = t1 - t0;
      return {
        cpuPct: ((cpu1 - cpu0) / elapsed) * 100,
        readsPerSecond: ((reads1 || 0) - (reads0 || 0)) / (elapsed / 1000),
      };
    };
    await sleep(2_000); // past start-up work
    const idle = await cpuOver(seconds * 1000);

    let delivered = 0;
    const errors: string[] = [];
    sessions = await mapLimit(tokens, 16, async (token) => {
      const session = await WsSession.open(gatewayProcess.url, { authorization: `Bearer ${token}` }, 30_000);
      session.subscribe(
        LIVE,
        {},
        {
          next: (_at, payload) => {
            if (payload.errors?.length) errors.push(payload.errors[0]!.message);
            else delivered += 1;
          },
          end: (error) => error && errors.push(error),
        },
      );
      return session;
    });
    // Every subscriber has had a tick before measuring.
    await until(() => delivered >= subscribers || errors.length > 0, 60_000, 'a first tick for every subscriber');
    if (errors.length) throw new Error(`liveMetrics: ${errors[0]}`);
    const deliveredBefore = delivered;
    const busy = await cpuOver(seconds * 1000);
    const perSecond = (delivered - deliveredBefore) / seconds;
    printTable([
      {
        case: 'gateway idle, 0 subscribers',
        gateway_cpu_pct: idle.cpuPct.toFixed(1),
        store_reads_per_s: idle.readsPerSecond.toFixed(2),
        deliveries_per_s: 0,
      },
      {
        case: `${formatNumber(subscribers)} subscribers at 1 Hz`,
        gateway_cpu_pct: busy.cpuPct.toFixed(1),
        store_reads_per_s: busy.readsPerSecond.toFixed(2),
        deliveries_per_s: Math.round(perSecond),
      },
    ]);
    out(
      `liveMetrics through the gateway over graphql-ws: ${formatNumber(subscribers)} subscribers cost the gateway ` +
        `${(busy.cpuPct - idle.cpuPct).toFixed(1)} % of a core over idle, ${busy.readsPerSecond.toFixed(2)} store reads a second ` +
        `(one replica, 1 Hz)`,
    );
    out(
      verdict(busy.readsPerSecond <= 1.5, 'one store read a tick per replica', `${busy.readsPerSecond.toFixed(2)}/s`),
    );
  } finally {
    for (const session of sessions) session.close();
    await gateway?.stop();
    await analytics?.stop();
    await subgraphs.stop();
  }
}

export const analytics: Benchmark = {
  name: 'analytics',
  description: 'ingest throughput and lag, metric query p95 over generated history, liveMetrics through the gateway',
  async run() {
    const env = process.env;
    const skip = new Set((env.BENCH_ANALYTICS_SKIP ?? '').split(',').map((part) => part.trim()));
    const runId = runIdOf();
    const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-analytics-'));
    const benchEnv = { ...serverEnv(env, runId, dataDir), ANALYTICS_BATCH_SIZE: String(BATCH_SIZE) };
    const config = loadConfig(benchEnv);
    const logger = createLogger('bench-analytics', 'error');
    const ctx: Context = {
      env,
      benchEnv,
      config,
      logger,
      open: () =>
        openDatabase({
          service: 'analytics',
          config,
          logger,
          entities: analyticsSubgraph.entities,
          migrations: analyticsSubgraph.migrations,
        }),
    };
    try {
      if (!skip.has('ingest')) await ingestFigures(ctx);
      if (!skip.has('queries')) await queryFigures(ctx);
      if (!skip.has('live')) await liveFigures(ctx);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await cleanUp(benchEnv, runId);
    }
  },
};
