/**
 * What the gateway costs: the same reads through the gateway and straight to the
 * users subgraph, at concurrency 1 (the latency a lone request pays) and at
 * BENCH_CONCURRENCY (throughput under load); the SQL statements behind 100 users
 * resolved by reference; and how long `npm start` takes to be ready and to stop.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../platform/config.js';
import {
  compare,
  formatNumber,
  httpPoster,
  printTable,
  runRounds,
  type Benchmark,
  type BenchSettings,
  type Cell,
  type LoadResult,
  type RoundsResult,
  type Poster,
  graphql,
} from './harness.js';
import type { CountedStatement, StackCommand, StackMessage } from './stack-process.js';

/** dist/bench/ → the repository root (where schema/ and dist/ are). */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const REPRESENTATIONS = 100;
/** register runs a memory-hard hash; more at once only queues on the server's one thread. */
const REGISTER_CONCURRENCY = 4;
const P50_TARGET_MS = 1;
const START_TARGET_MS = 5_000;

const out = (line = '') => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------
// The stack in a child process

class StackProcess {
  private waiting: { type: StackMessage['type']; resolve: (m: StackMessage) => void }[] = [];
  private exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: StackMessage) => {
      const index = this.waiting.findIndex((w) => w.type === message.type || message.type === 'failed');
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message);
    });
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  static async start(
    env: NodeJS.ProcessEnv,
  ): Promise<{ stack: StackProcess; ready: StackMessage & { type: 'ready' } }> {
    const child = fork(join(ROOT, 'dist/bench/stack-process.js'), [], {
      cwd: ROOT,
      env,
      execPath: process.execPath, // the pinned Node this benchmark runs on
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const stack = new StackProcess(child);
    const ready = await stack.next('ready', 120_000);
    if (ready.type !== 'ready') throw new Error(`the stack did not start: ${(ready as { error?: string }).error}`);
    return { stack, ready };
  }

  private next(type: StackMessage['type'], timeoutMs: number): Promise<StackMessage> {
    return new Promise((resolveMessage, reject) => {
      const timer = setTimeout(() => reject(new Error(`stack process: no "${type}" in ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolveMessage(message);
        },
      });
      void this.exited.then((code) => reject(new Error(`stack process exited (${code}) before "${type}"`)));
    });
  }

  private send(command: StackCommand) {
    this.child.send(command);
  }

  /** The SQL statements the graph issued while `work` ran (nothing else runs meanwhile). */
  async countSql(work: () => Promise<void>): Promise<CountedStatement[]> {
    this.send({ type: 'count', on: true });
    await this.next('counting', 10_000);
    await work();
    this.send({ type: 'count', on: false });
    const counted = await this.next('counted', 10_000);
    return counted.type === 'counted' ? counted.statements : [];
  }

  /** The stack process's CPU time so far (ms): the gateway and the subgraph together. */
  async cpuMs(): Promise<number> {
    this.send({ type: 'cpu' });
    const answer = await this.next('cpu', 10_000);
    return answer.type === 'cpu' ? answer.ms : NaN;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Load-run calls

/**
 * The call a load run repeats: a fixed body, and a check cheap enough not to
 * dominate the client (the full answer was validated once before the run).
 */
function loadCall(post: Poster, body: string, headers: Record<string, string>, minLength: number) {
  return async () => {
    const response = await post(body, headers);
    if (response.status !== 200 || response.body.length < minLength || response.body.includes('"errors"')) {
      throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
    }
  };
}

/** The access token's claims, read without verifying: the gateway has verified it. */
function claimsOf(token: string): { sub: string; role: string; sid: string } {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('access token is not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; role: string; sid: string };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------
// Start-up and shutdown of `npm start` (node dist/scripts/start.js)

async function freePorts(count: number): Promise<number[]> {
  // Held open together so the OS hands out distinct ones, then released for the child.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

interface StartTiming {
  readyMs: number;
  /** What the process itself prints ("ready in N ms"): from its first line of code. */
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
  // The last of what it printed, to say why when it fails or exits non-zero.
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4_000));
  child.stderr!.on('data', keep);
  try {
    const reportedMs = await new Promise<number>((done, reject) => {
      const timer = setTimeout(() => reject(new Error('start.js not ready in 120 s')), 120_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        const match = /NexusAI graph ready at \S+ \(.*ready in (\d+) ms\)/.exec(tail);
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

/**
 * Drops the databases of this run on the PostgreSQL profile: every one named with
 * one of its prefixes (one database per subgraph, however many subgraphs there are).
 */
async function dropDatabases(databaseUrl: string, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const { MikroORM } = await import('@mikro-orm/postgresql');
  const orm = await MikroORM.init({
    clientUrl: databaseUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
  });
  try {
    const rows = await orm.em.getConnection().execute<{ datname: string }[]>('select datname from pg_database');
    const ours = rows.map((row) => row.datname).filter((name) => prefixes.some((p) => name.startsWith(`${p}_`)));
    for (const name of ours) await orm.schema.dropDatabase(name).catch(() => undefined);
  } finally {
    await orm.close();
  }
}

// ---------------------------------------------------------------------------

const ME = 'query { me { id displayName } }';
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName } } }';
const USERS = 'query($ids: [ID!]!) { users(ids: $ids) { id displayName } }';

const USERS_SUBGRAPH_TABLES = /"(users|sessions|refresh_tokens)"/;

/** Statements a read request issued itself: the outbox relay polls on its own clock. */
function requestStatements(statements: CountedStatement[]) {
  return statements.filter((s) => s.service === 'users' && USERS_SUBGRAPH_TABLES.test(s.sql));
}

type Row = Record<string, Cell>;

function resultRow(scenario: string, path: string, result: RoundsResult, notes: string[]): Row {
  if (result.errors > 0)
    notes.push(
      `${scenario}, ${path}, concurrency ${result.concurrency}: ${result.errors} errors; first: ${result.firstError}`,
    );
  return {
    scenario,
    conc: result.concurrency,
    path,
    requests: result.requests,
    errors: result.errors,
    rps: Math.round(result.rps),
    'p50 ms': result.p50Ms,
    'p50 rounds': result.rounds > 1 ? result.p50RangeMs.map(formatNumber).join('–') : undefined,
    'p90 ms': result.p90Ms,
    'p99 ms': result.p99Ms,
    'max ms': result.maxMs,
    'CPU ms/req': result.cpuMsPerRequest,
  };
}

/** Whatever happens, the run leaves no data directory or database behind. */
async function run(settings: BenchSettings): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-bench-'));
  const databasePrefixes: string[] = [];
  try {
    await measure(settings, dataDir, databasePrefixes);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (settings.env.DATABASE_URL) await dropDatabases(settings.env.DATABASE_URL, databasePrefixes);
  }
}

async function measure(settings: BenchSettings, dataDir: string, databasePrefixes: string[]): Promise<void> {
  const runId = `${process.pid}${Date.now().toString(36)}`;
  const services = Boolean(settings.env.DATABASE_URL);
  const stackEnv: NodeJS.ProcessEnv = {
    ...settings.env,
    HOST: '127.0.0.1', // loopback only, whatever the caller's HOST says
    DATA_DIR: join(dataDir, 'stack'),
    LOG_LEVEL: 'error', // a log line per request is not what this measures (see README)
    RATE_LIMIT_API_PER_SECOND: '100000000',
    RATE_LIMIT_AUTH_PER_SECOND: '100000000',
    // Hashing runs only in the setup's 101 registrations, never in a measured request: keep it cheap.
    PASSWORD_MEMORY_KIB: '8192',
    PASSWORD_ITERATIONS: '1',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    DATABASE_PREFIX: `nexus_bench_${runId}`,
    REDIS_KEY_PREFIX: `nexus-bench:${runId}:`,
  };
  if (services) databasePrefixes.push(`nexus_bench_${runId}`);
  const config = loadConfig(stackEnv);
  const rows: Row[] = [];
  const comparisons: Row[] = [];
  const targets: string[] = [];
  const notes: string[] = [];

  const { stack, ready } = await StackProcess.start(stackEnv);
  out(`stack: gateway ${ready.gateway}, users subgraph ${ready.users} (${ready.profile}), in a child process`);
  const gateway = httpPoster(ready.gateway, Math.max(settings.concurrency, REGISTER_CONCURRENCY));
  const direct = httpPoster(ready.users, settings.concurrency);
  try {
    // --- Setup: the signed-in user and 100 others, registered through the gateway.
    const setupStart = performance.now();
    const registered = await mapLimit(Array.from({ length: REPRESENTATIONS + 1 }), REGISTER_CONCURRENCY, (_, i) =>
      graphql(
        gateway.post,
        'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
        {
          input: {
            email: `bench-${runId}-${i}@example.com`,
            password: 'bench-Password-123',
            displayName: `Bench user ${i}`,
          },
        },
        {},
      ).then((data) => data.register as { accessToken: string; user: { id: string } }),
    );
    out(
      `setup: ${registered.length} users registered through the gateway in ${Math.round(performance.now() - setupStart)} ms`,
    );
    const token = registered[0]!.accessToken;
    const claims = claimsOf(token);
    const ids = registered.slice(1).map((r) => r.user.id);
    const gatewayHeaders = { authorization: `Bearer ${token}` };
    const directHeaders = {
      'x-gateway-secret': config.gatewaySecret,
      'x-user-id': claims.sub,
      'x-user-role': claims.role,
      'x-session-id': claims.sid,
    };

    // --- Each path answers correctly, once, with its SQL counted.
    const meBody = JSON.stringify({ query: ME });
    const entitiesBody = JSON.stringify({
      query: ENTITIES,
      variables: { r: ids.map((id) => ({ __typename: 'User', id })) },
    });
    const usersBody = JSON.stringify({ query: USERS, variables: { ids } });
    const checks: { label: string; post: Poster; body: string; headers: Record<string, string>; field: string }[] = [
      { label: 'me, direct', post: direct.post, body: meBody, headers: directHeaders, field: 'me' },
      { label: 'me, gateway', post: gateway.post, body: meBody, headers: gatewayHeaders, field: 'me' },
      {
        label: '100 users, direct _entities',
        post: direct.post,
        body: entitiesBody,
        headers: directHeaders,
        field: '_entities',
      },
      {
        label: '100 users, direct users(ids)',
        post: direct.post,
        body: usersBody,
        headers: directHeaders,
        field: 'users',
      },
      {
        label: '100 users, gateway users(ids)',
        post: gateway.post,
        body: usersBody,
        headers: gatewayHeaders,
        field: 'users',
      },
    ];
    const minLength: Record<string, number> = {};
    const sqlRows: Row[] = [];
    let byReference: CountedStatement[] = [];
    for (const check of checks) {
      let length = 0;
      const statements = await stack.countSql(async () => {
        const { query, variables } = JSON.parse(check.body) as { query: string; variables?: unknown };
        const data = await graphql(check.post, query, variables, check.headers);
        const value = data[check.field] as { id: string }[] | { id: string };
        const list = Array.isArray(value) ? value : [value];
        const expected = check.field === 'me' ? [claims.sub] : ids;
        if (list.length !== expected.length || list.some((user, i) => user?.id !== expected[i])) {
          throw new Error(`${check.label}: wrong answer`);
        }
        length = JSON.stringify(data).length;
      });
      minLength[check.label] = length;
      const own = requestStatements(statements);
      if (check.label === '100 users, direct _entities') byReference = own;
      sqlRows.push({ request: check.label, 'SQL (users tables)': own.length, 'all SQL in window': statements.length });
    }

    // --- Load: every scenario at concurrency 1 and at BENCH_CONCURRENCY.
    const concurrencies = [...new Set([1, settings.concurrency])];
    const call = (label: string, post: Poster, body: string, headers: Record<string, string>) =>
      loadCall(post, body, headers, minLength[label]!);
    const meResults = new Map<number, LoadResult[]>();
    for (const concurrency of concurrencies) {
      const common = {
        concurrency,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
        rounds: settings.rounds,
        serverCpuMs: () => stack.cpuMs(),
      };
      out(
        `running: me at concurrency ${concurrency} (${settings.rounds} rounds × 2 paths × ${settings.durationMs} ms)…`,
      );
      const me = await runRounds({
        ...common,
        baseline: { name: 'direct', call: call('me, direct', direct.post, meBody, directHeaders) },
        candidates: [{ name: 'gateway', call: call('me, gateway', gateway.post, meBody, gatewayHeaders) }],
      });
      meResults.set(concurrency, me);
      rows.push(resultRow('me', 'direct', me[0]!, notes), resultRow('me', 'gateway', me[1]!, notes));
      const c = compare(me[0]!, me[1]!);
      comparisons.push({
        scenario: 'me',
        conc: concurrency,
        comparison: 'gateway vs direct',
        'p50 Δ ms': c.p50DeltaMs,
        'p99 Δ ms': c.p99DeltaMs,
        'CPU Δ ms/req': c.cpuDeltaMs,
        'rps ratio': c.rpsRatio,
      });

      out(
        `running: 100 users at concurrency ${concurrency} (${settings.rounds} rounds × 3 paths × ${settings.durationMs} ms)…`,
      );
      const many = await runRounds({
        ...common,
        baseline: {
          name: 'direct _entities',
          call: call('100 users, direct _entities', direct.post, entitiesBody, directHeaders),
        },
        candidates: [
          {
            name: 'direct users(ids)',
            call: call('100 users, direct users(ids)', direct.post, usersBody, directHeaders),
          },
          {
            name: 'gateway users(ids)',
            call: call('100 users, gateway users(ids)', gateway.post, usersBody, gatewayHeaders),
          },
        ],
      });
      rows.push(
        resultRow('100 users', 'direct _entities', many[0]!, notes),
        resultRow('100 users', 'direct users(ids)', many[1]!, notes),
        resultRow('100 users', 'gateway users(ids)', many[2]!, notes),
      );
      for (const [baseline, candidate, label] of [
        [many[0]!, many[2]!, 'gateway users(ids) vs direct _entities'],
        [many[1]!, many[2]!, 'gateway users(ids) vs direct users(ids)'],
      ] as const) {
        const c = compare(baseline, candidate);
        comparisons.push({
          scenario: '100 users',
          conc: concurrency,
          comparison: label,
          'p50 Δ ms': c.p50DeltaMs,
          'p99 Δ ms': c.p99DeltaMs,
          'CPU Δ ms/req': c.cpuDeltaMs,
          'rps ratio': c.rpsRatio,
        });
      }
    }

    out();
    out(
      `## Latency and throughput (median of ${settings.rounds} rounds, ${settings.durationMs} ms each after ${settings.warmupMs} ms warm-up)`,
    );
    printTable(rows);
    out();
    out('## Gateway against direct (Δ = gateway − direct; rps ratio = gateway / direct)');
    printTable(comparisons);
    out();
    out('## SQL statements per request (one request each, counted by the stack’s onQuery hook)');
    printTable(sqlRows);
    out(`SQL statements for 100 users by reference: ${byReference.length}`);
    for (const statement of byReference)
      out(`  ${statement.sql.length > 160 ? `${statement.sql.slice(0, 157)}…` : statement.sql}`);

    const unloaded = meResults.get(1)!;
    const delta1 = unloaded[1]!.p50Ms - unloaded[0]!.p50Ms;
    targets.push(
      `${delta1 <= P50_TARGET_MS ? 'PASS' : 'MISS'}  gateway adds ≤ ${P50_TARGET_MS} ms at p50 for \`me\` (concurrency 1): +${formatNumber(delta1)} ms (direct ${formatNumber(unloaded[0]!.p50Ms)} ms, gateway ${formatNumber(unloaded[1]!.p50Ms)} ms)`,
    );
    if (settings.concurrency !== 1) {
      const loaded = meResults.get(settings.concurrency)!;
      const deltaN = loaded[1]!.p50Ms - loaded[0]!.p50Ms;
      targets.push(
        `${deltaN <= P50_TARGET_MS ? 'PASS' : 'MISS'}  same at concurrency ${settings.concurrency}: +${formatNumber(deltaN)} ms (at fixed concurrency p50 ≈ concurrency / rps: this is mostly the throughput ratio, ${formatNumber(loaded[1]!.rps / loaded[0]!.rps)})`,
      );
    }
    targets.push(
      `${byReference.length === 1 ? 'PASS' : 'MISS'}  100 users by reference cost one SQL statement: ${byReference.length}`,
    );
  } finally {
    gateway.close();
    direct.close();
    await stack.stop();
  }

  // --- `npm start`: cold (fresh data dir: database created, migrations run) then warm.
  out();
  out('## npm start (node dist/scripts/start.js): spawn → "ready" line, then SIGINT → exit');
  const startEnv: NodeJS.ProcessEnv = {
    ...settings.env,
    DATA_DIR: join(dataDir, 'start'),
    DATABASE_PREFIX: `nexus_bench_start_${runId}`,
    REDIS_KEY_PREFIX: `nexus-bench-start:${runId}:`,
  };
  if (services) databasePrefixes.push(`nexus_bench_start_${runId}`);
  const startRows: Row[] = [];
  let warm: StartTiming | undefined;
  for (const label of ['cold (migrations)', 'warm']) {
    const timing = await timeStart(startEnv);
    if (label === 'warm') warm = timing;
    if (timing.exitCode !== 0) {
      const lines = timing.tail.trim().split('\n').slice(-3).join('\n    ');
      notes.push(`npm start, ${label}: exit code ${timing.exitCode} after SIGINT; it printed last:\n    ${lines}`);
    }
    startRows.push({
      start: label,
      'spawn → ready ms': Math.round(timing.readyMs),
      'self-reported ms': timing.reportedMs,
      'SIGINT → exit ms': Math.round(timing.exitMs),
      'exit code': timing.exitCode ?? 'signal',
    });
  }
  printTable(startRows);
  if (warm) {
    targets.push(
      `${warm.readyMs < START_TARGET_MS ? 'PASS' : 'MISS'}  npm start ready in < ${START_TARGET_MS / 1000} s on a warm install: ${Math.round(warm.readyMs)} ms from spawn (the prestart build is not included)`,
    );
  }

  out();
  out('## Targets (information: a MISS does not fail the run)');
  for (const line of [...targets, ...notes]) out(line);
}

export const gatewayOverhead: Benchmark = {
  name: 'gateway-overhead',
  description: 'gateway vs direct subgraph call for `me` and 100 users by reference; SQL per request; start-up time',
  run,
};
