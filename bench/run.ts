/**
 * `npm run bench [-- name…]`: runs every benchmark in bench/, or only the named ones,
 * after printing what machine and profile the figures belong to. Benchmarks print
 * figures and PASS/MISS lines; the exit code is 0 unless a benchmark could not run.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { gatewayOverhead } from './gateway-overhead.js';
import { idleSubscriptions } from './idle-subscriptions.js';
import { startup } from './startup.js';
import { streaming } from './streaming.js';
import { moderation } from './moderation.js';
import { analytics } from './analytics.js';
import { settingsFrom, type Benchmark } from './harness.js';

const benchmarks: Benchmark[] = [gatewayOverhead, streaming, idleSubscriptions, startup, moderation, analytics];

const out = (line = '') => process.stdout.write(`${line}\n`);

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length) {
  process.stderr.write(
    `unknown benchmark: ${unknown.join(', ')}; available: ${benchmarks.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = wanted.length ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;

let settings;
try {
  settings = settingsFrom(process.env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const cpuList = cpus();
const env = process.env;
out('# NexusAI graph benchmarks');
out(
  `machine: ${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${process.platform} ${process.arch}`,
);
out(`node: ${process.version} (${process.execPath})`);
out(
  `profile: ${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (embedded, fresh temp DATA_DIR)'}, ` +
    `${env.REDIS_URL ? 'Redis' : 'in-memory state'}, ${env.KAFKA_BROKERS ? 'Kafka' : 'in-process event bus'}`,
);
out(
  `settings: BENCH_ROUNDS=${settings.rounds} BENCH_DURATION_MS=${settings.durationMs} ` +
    `BENCH_WARMUP_MS=${settings.warmupMs} BENCH_CONCURRENCY=${settings.concurrency}`,
);

let failed = false;
for (const benchmark of selected) {
  out();
  out(`# ${benchmark.name}: ${benchmark.description}`);
  const started = performance.now();
  try {
    await benchmark.run(settings);
    out(
      `(${benchmark.name} took ${Math.round((performance.now() - started) / 1000)} s; ` +
        `load average now ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
    );
  } catch (error) {
    // A benchmark that cannot run is a broken benchmark, unlike a missed target.
    failed = true;
    process.stderr.write(`${benchmark.name} could not run: ${(error as Error).stack ?? String(error)}\n`);
  }
}
process.exit(failed ? 1 : 0);
