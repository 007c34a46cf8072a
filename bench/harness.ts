/**
 * A small closed-loop load generator for the benchmarks in bench/.
 *
 * `concurrency` workers each await one call after another, so the offered load
 * follows the server (no coordinated-omission tricks: this measures latency at a
 * fixed number of requests in flight, which is what "at fixed concurrency" means).
 * Every run is bounded both in time and in count, and HTTP goes to loopback only.
 */
import { Agent, request } from 'node:http';

/** Never record more than this many requests in one run, whatever the knobs say. */
export const HARD_REQUEST_CAP = 200_000;
/** A run stops waiting for stragglers after this long past its deadline. */
const HARD_TIME_CAP_MS = 120_000;

export interface LoadOptions {
  name: string;
  concurrency: number;
  /** Measured phase length; the run also stops at `requests` or HARD_REQUEST_CAP. */
  durationMs?: number;
  requests?: number;
  /** Unrecorded calls first: JIT, caches (parse, validation, query plans) and sockets warm up. */
  warmupMs?: number;
  call: () => Promise<void>;
  /**
   * CPU time the server process has used so far, in ms (user + system). Sampled
   * around the measured phase: CPU per request is far steadier than latency on a
   * shared machine, and the gateway's share of it is exactly its overhead.
   */
  serverCpuMs?: () => Promise<number>;
}

export interface LoadResult {
  name: string;
  concurrency: number;
  requests: number;
  errors: number;
  /** The first error's message, so a broken scenario says why. */
  firstError?: string;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU per successful request (ms), when `serverCpuMs` was given. */
  cpuMsPerRequest: number;
}

async function drive(
  concurrency: number,
  until: () => boolean,
  call: () => Promise<void>,
  record: (ms: number, error: unknown) => void,
): Promise<void> {
  const worker = async () => {
    while (!until()) {
      const start = performance.now();
      try {
        await call();
        record(performance.now() - start, undefined);
      } catch (error) {
        record(performance.now() - start, error ?? new Error('call failed'));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const cap = Math.min(options.requests ?? HARD_REQUEST_CAP, HARD_REQUEST_CAP);
  const durationMs = options.durationMs ?? (options.requests === undefined ? 5_000 : HARD_TIME_CAP_MS);
  if (options.warmupMs && options.warmupMs > 0) {
    const warmEnd = performance.now() + options.warmupMs;
    let warmCalls = 0;
    await drive(
      concurrency,
      () => performance.now() >= warmEnd || warmCalls >= cap,
      options.call,
      () => void warmCalls++,
    );
  }

  // Preallocated: recording a sample must not allocate or it would show up in the figures.
  const samples = new Float64Array(cap);
  let started = 0; // calls begun: counting starts, not ends, keeps the total at the cap exactly
  let recorded = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpuBefore = await options.serverCpuMs?.();
  const begin = performance.now();
  const deadline = begin + durationMs;
  await drive(
    concurrency,
    () => {
      if (performance.now() >= deadline || started >= cap) return true;
      started++;
      return false;
    },
    options.call,
    (ms, error) => {
      if (error !== undefined) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        return;
      }
      samples[recorded++] = ms;
    },
  );
  const elapsedMs = performance.now() - begin;
  const cpuAfter = await options.serverCpuMs?.();
  const sorted = samples.subarray(0, recorded).sort();
  return {
    name: options.name,
    concurrency,
    requests: recorded,
    errors,
    firstError,
    elapsedMs,
    rps: recorded / (elapsedMs / 1000),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: recorded ? sorted[recorded - 1]! : NaN,
    cpuMsPerRequest: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / recorded : NaN,
  };
}

const median = (values: number[]): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface RoundsResult extends LoadResult {
  rounds: number;
  /** Lowest and highest p50 of the rounds: how far to trust the median. */
  p50RangeMs: [number, number];
}

/**
 * The median of each figure across rounds (each figure on its own: machines are
 * noisy and one slow round should not drag every column with it). Counts are summed.
 */
export function medianOf(runs: LoadResult[]): RoundsResult {
  const first = runs[0]!;
  const p50s = runs.map((run) => run.p50Ms);
  return {
    name: first.name,
    concurrency: first.concurrency,
    rounds: runs.length,
    p50RangeMs: [Math.min(...p50s), Math.max(...p50s)],
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError,
    elapsedMs: runs.reduce((sum, run) => sum + run.elapsedMs, 0),
    rps: median(runs.map((run) => run.rps)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p90Ms: median(runs.map((run) => run.p90Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
  };
}

export interface Scenario {
  /** The reference path (e.g. a direct subgraph call) and the paths measured against it. */
  baseline: Omit<LoadOptions, 'concurrency' | 'durationMs' | 'warmupMs' | 'serverCpuMs'>;
  candidates: Omit<LoadOptions, 'concurrency' | 'durationMs' | 'warmupMs' | 'serverCpuMs'>[];
  serverCpuMs?: () => Promise<number>;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  rounds: number;
}

/**
 * Runs baseline and candidates for `rounds` rounds, reversing the order every other
 * round (A B, B A, A B…) so drift (thermal, GC, a neighbour's job) hits both sides
 * alike; returns each path's median across rounds, baseline first.
 */
export async function runRounds(scenario: Scenario): Promise<RoundsResult[]> {
  const paths = [scenario.baseline, ...scenario.candidates];
  const results: LoadResult[][] = paths.map(() => []);
  for (let round = 0; round < scenario.rounds; round++) {
    const order = paths.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const path = paths[index]!;
      results[index]!.push(
        await runLoad({
          ...path,
          concurrency: scenario.concurrency,
          durationMs: scenario.durationMs,
          warmupMs: scenario.warmupMs,
          serverCpuMs: scenario.serverCpuMs,
        }),
      );
    }
  }
  return results.map(medianOf);
}

export interface Comparison {
  baseline: string;
  candidate: string;
  p50DeltaMs: number;
  p99DeltaMs: number;
  /** Extra server CPU per request: the candidate's own work, whatever the queueing. */
  cpuDeltaMs: number;
  /** candidate rps / baseline rps: below 1 means the candidate serves fewer requests per second. */
  rpsRatio: number;
}

export function compare(baseline: LoadResult, candidate: LoadResult): Comparison {
  return {
    baseline: baseline.name,
    candidate: candidate.name,
    p50DeltaMs: candidate.p50Ms - baseline.p50Ms,
    p99DeltaMs: candidate.p99Ms - baseline.p99Ms,
    cpuDeltaMs: candidate.cpuMsPerRequest - baseline.cpuMsPerRequest,
    rpsRatio: candidate.rps / baseline.rps,
  };
}

export type Cell = string | number | undefined;

/** Prints rows as aligned columns: numbers right-aligned, text left-aligned. */
export function printTable(rows: Record<string, Cell>[], columns?: string[], out = process.stdout): void {
  if (rows.length === 0) return;
  const names = columns ?? Object.keys(rows[0]!);
  const text = (value: Cell) => (value === undefined ? '' : typeof value === 'number' ? formatNumber(value) : value);
  const cells = rows.map((row) => names.map((name) => text(row[name])));
  const widths = names.map((name, i) => Math.max(name.length, ...cells.map((row) => row[i]!.length)));
  const numeric = names.map((name) => rows.every((row) => row[name] === undefined || typeof row[name] === 'number'));
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.write(`${line(names)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of cells) out.write(`${line(row)}\n`);
}

/** Two decimals below 10, one below 1000, none above: enough precision, no noise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 1000 ? 1 : 0);
}

export interface HttpResponse {
  status: number;
  body: string;
}

export type Poster = (body: string, headers?: Record<string, string>) => Promise<HttpResponse>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * A JSON POST client on node:http with a keep-alive Agent of `maxSockets` sockets.
 * Chosen over the global fetch (undici) because its per-request cost on the client
 * is lower: fetch builds WHATWG Request/Headers/Response objects and a web stream per
 * body. Measured against a trivial server in another process at concurrency 16:
 * see bench/README.md. The client's own cost is part of every figure, so it should be small.
 */
export function httpPoster(url: string, maxSockets: number, timeoutMs = 10_000): { post: Poster; close(): void } {
  const target = new URL(url);
  if (!LOOPBACK.has(target.hostname)) throw new Error(`benchmarks only call loopback, not ${target.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const post: Poster = (body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      // A hung server fails the call instead of hanging the benchmark.
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** Numbers from the environment, with a default and a floor, failing loudly on garbage. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

/** The knobs every benchmark reads, parsed once by bench/run.ts. */
export interface BenchSettings {
  env: NodeJS.ProcessEnv;
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

export function settingsFrom(env: NodeJS.ProcessEnv): BenchSettings {
  return {
    env,
    rounds: Math.floor(envNumber(env, 'BENCH_ROUNDS', 3, 1)),
    durationMs: envNumber(env, 'BENCH_DURATION_MS', 5_000, 100),
    warmupMs: envNumber(env, 'BENCH_WARMUP_MS', 1_000, 0),
    concurrency: Math.floor(envNumber(env, 'BENCH_CONCURRENCY', 16, 1)),
  };
}

/** A benchmark in bench/: prints its own figures; never fails on a missed target. */
export interface Benchmark {
  name: string;
  description: string;
  run(settings: BenchSettings): Promise<void>;
}

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One GraphQL call over a Poster; any error, non-200 status or missing data throws with the code. */
export async function graphql(post: Poster, query: string, variables: unknown, headers: Record<string, string>) {
  const response = await post(JSON.stringify({ query, variables }), headers);
  let body: GraphQLBody;
  try {
    body = JSON.parse(response.body) as GraphQLBody;
  } catch {
    throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  }
  if (response.status !== 200 || body.errors?.length || !body.data) {
    const error = body.errors?.[0];
    throw new Error(`HTTP ${response.status}: ${error ? `${error.extensions?.code}: ${error.message}` : 'no data'}`);
  }
  return body.data;
}
