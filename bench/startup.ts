/**
 * How long `npm start` takes to be ready: `node dist/scripts/start.js` spawned on free ports
 * with a temporary DATA_DIR, timed from spawn to its "NexusAI graph ready at" line, then
 * stopped with SIGINT. Cold: a fresh data directory each time (databases created, migrations
 * run). Warm: the same directory again. Median of BENCH_STARTS (5) each. The `prestart` build
 * of `npm start` is not included.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNumber, formatNumber, printTable, type Benchmark, type BenchSettings, type Cell } from './harness.js';
import { freePorts, ROOT } from './servers.js';
import { dropDatabases, dropKafkaTopics, dropRedisKeys, median, out, runIdOf, verdict } from './common.js';

const WARM_TARGET_MS = 5_000;
const COLD_TARGET_MS = 15_000;
const READY_LINE = /NexusAI graph ready at \S+ \(.*ready in (\d+) ms\)/;

interface StartTiming {
  readyMs: number;
  /** What the process prints itself ("ready in N ms"): from its first line of code. */
  reportedMs: number;
  exitMs: number;
  exitCode: number | null;
  tail: string;
}

async function timeStart(env: NodeJS.ProcessEnv): Promise<StartTiming> {
  const [gateway, users, companions, moderation, analytics] = await freePorts(5);
  const spawned = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/scripts/start.js')], {
    cwd: ROOT,
    env: {
      ...env,
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(gateway),
      USERS_PORT: String(users),
      COMPANIONS_PORT: String(companions),
      MODERATION_PORT: String(moderation),
      ANALYTICS_PORT: String(analytics),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let tail = ''; // the last of what it printed, to say why when it fails
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4_000));
  child.stderr!.on('data', keep);
  try {
    const reportedMs = await new Promise<number>((done, reject) => {
      const timer = setTimeout(() => reject(new Error('start.js not ready in 120 s')), 120_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        const match = READY_LINE.exec(tail);
        if (match) {
          clearTimeout(timer);
          done(Number(match[1]));
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`start.js exited (${code}) before ready: ${tail.slice(-1_000)}`));
      });
    });
    const readyMs = performance.now() - spawned;
    const signalled = performance.now();
    child.kill('SIGINT');
    const exitCode = await exited;
    return { readyMs, reportedMs, exitMs: performance.now() - signalled, exitCode, tail };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

async function run(settings: BenchSettings): Promise<void> {
  const starts = Math.floor(envNumber(settings.env, 'BENCH_STARTS', 5, 1));
  const runId = runIdOf();
  const root = mkdtempSync(join(tmpdir(), 'nexus-bench-start-'));
  const prefixes: string[] = [];
  const env = (name: string): NodeJS.ProcessEnv => {
    prefixes.push(`nexus_bench_start_${runId}_${name}`);
    return {
      ...settings.env,
      LOG_LEVEL: settings.env.LOG_LEVEL ?? 'info',
      DATA_DIR: join(root, name),
      DATABASE_PREFIX: `nexus_bench_start_${runId}_${name}`,
      REDIS_KEY_PREFIX: `nexus-bench-start:${runId}:${name}:`,
      KAFKA_TOPIC_PREFIX: `nexus-bench-start-${runId}-${name}.`,
    };
  };
  out(`${starts} cold and ${starts} warm starts (BENCH_STARTS), one at a time`);
  const rows: Record<string, Cell>[] = [];
  const notes: string[] = [];
  const cold: StartTiming[] = [];
  const warm: StartTiming[] = [];
  try {
    for (let i = 0; i < starts; i++) {
      // Cold on a directory of its own, then warm on that same directory: each pair alternates.
      const startEnv = env(`s${i}`);
      cold.push(await timeStart(startEnv));
      warm.push(await timeStart(startEnv));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    const { DATABASE_URL, REDIS_URL, KAFKA_BROKERS } = settings.env;
    await Promise.allSettled([
      DATABASE_URL ? dropDatabases(DATABASE_URL, prefixes) : undefined,
      REDIS_URL ? dropRedisKeys(REDIS_URL, `nexus-bench-start:${runId}:`) : undefined,
      KAFKA_BROKERS ? dropKafkaTopics(KAFKA_BROKERS, `nexus-bench-start-${runId}-`) : undefined,
    ]);
  }
  for (const [label, timings] of [
    ['cold (fresh DATA_DIR: migrations)', cold],
    ['warm (same DATA_DIR again)', warm],
  ] as const) {
    const ready = timings.map((t) => t.readyMs);
    for (const t of timings.filter((t) => t.exitCode !== 0)) {
      notes.push(`${label}: exit code ${t.exitCode} after SIGINT; last output: ${t.tail.trim().slice(-300)}`);
    }
    rows.push({
      start: label,
      n: timings.length,
      'spawn → ready p50 ms': Math.round(median(ready)),
      'min ms': Math.round(Math.min(...ready)),
      'max ms': Math.round(Math.max(...ready)),
      'self-reported p50 ms': Math.round(median(timings.map((t) => t.reportedMs))),
      'SIGINT → exit p50 ms': Math.round(median(timings.map((t) => t.exitMs))),
      'exit codes': [...new Set(timings.map((t) => t.exitCode ?? 'signal'))].join(','),
    });
  }
  printTable(rows);
  out();
  out('## Targets (information: a MISS does not fail the run)');
  const coldMs = median(cold.map((t) => t.readyMs));
  const warmMs = median(warm.map((t) => t.readyMs));
  out(
    verdict(warmMs <= WARM_TARGET_MS, `npm start ready ≤ 5 s on a warm data directory`, `${formatNumber(warmMs)} ms`),
  );
  out(verdict(coldMs <= COLD_TARGET_MS, `npm start ready ≤ 15 s cold`, `${formatNumber(coldMs)} ms`));
  for (const note of notes) out(note);
}

export const startup: Benchmark = {
  name: 'startup',
  description: '`npm start` (node dist/scripts/start.js): spawn → ready line, cold and warm, then SIGINT → exit',
  run,
};
