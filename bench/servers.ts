/**
 * The servers under test, each in a process of its own, started as production starts them:
 * `node dist/subgraphs/<name>/main.js`, `node dist/gateway/main.js` (and, for comparison, Hive
 * Gateway's own CLI). Benchmarks see them only from outside: HTTP, WebSocket, `/health/ready`
 * and `/metrics`. Nothing listens anywhere but 127.0.0.1.
 *
 * Why processes: a server in the benchmark's process would share its event loop with the load
 * generator, whose work would then be counted as server latency; the gateway alone in its
 * process also owns its CPU, event loop and heap, which `/metrics` reports per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** dist/bench/ → the repository root (schema/, dist/, bench/hive/). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export async function freePorts(count: number): Promise<number[]> {
  // Held open together so the OS hands out distinct ones, then released for the children.
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

/** Prometheus text: one value per series (`name{labels}`), and a sum over labels by name. */
export class Metrics {
  constructor(private readonly series: Map<string, number>) {}

  static parse(text: string): Metrics {
    const series = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      series.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return new Metrics(series);
  }

  /**
   * Sum of every series of `name` whose labels include `label` (e.g. `kind="major"`); NaN when
   * the process exposes no such series.
   */
  value(name: string, label?: string): number {
    let total = NaN;
    for (const [key, value] of this.series) {
      if (!(key === name || key.startsWith(`${name}{`)) || (label && !key.includes(label))) continue;
      total = (Number.isNaN(total) ? 0 : total) + value;
    }
    return total;
  }
}

async function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}

/** USER_HZ: 100 on Linux x86-64 and arm64, the ticks /proc reports CPU time in. */
const CLOCK_TICK_MS = 10;

// Colours some loggers add even when not on a terminal.
const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (line: string) => line.replace(ANSI, '');

/** One server process: its URL, its log (counted, the first lines kept), metrics and stop. */
export class ServerProcess {
  lines = 0;
  readonly firstLines: string[] = [];
  private tail = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
    let partial = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.tail = (this.tail + text).slice(-2_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        this.lines++;
        if (this.firstLines.length < 2) this.firstLines.push(plain(line).slice(0, 300));
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
  }

  /**
   * Spawns `args` on the pinned Node this benchmark runs on and waits until `readyPath` on
   * `url`'s origin answers 200 (the product's readiness probe), or fails with what it printed.
   */
  static async start(options: {
    name: string;
    args: string[];
    env: NodeJS.ProcessEnv;
    url: string;
    readyPath: string;
    cwd?: string;
    timeoutMs?: number;
  }): Promise<ServerProcess> {
    const child = spawn(process.execPath, options.args, {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(options.name, options.url, child);
    const ready = new URL(options.readyPath, options.url).toString();
    const deadline = performance.now() + (options.timeoutMs ?? 120_000);
    while (performance.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}): ${server.tail.slice(-1_000)}`);
      }
      const status = await httpGet(ready, 2_000).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return server;
      await sleep(100);
    }
    await server.stop();
    throw new Error(`${options.name} not ready in ${options.timeoutMs ?? 120_000} ms: ${server.tail.slice(-1_000)}`);
  }

  /** The process's own `/metrics` (prom-client: CPU, heap, event-loop lag, the product's gauges). */
  async metrics(): Promise<Metrics> {
    const response = await httpGet(new URL('/metrics', this.url).toString(), 10_000);
    if (response.status !== 200) throw new Error(`${this.name} /metrics: HTTP ${response.status}`);
    return Metrics.parse(response.body);
  }

  /**
   * CPU time the process has used so far, in ms (user + system), as the OS accounts it
   * (/proc/<pid>/stat, in clock ticks of 10 ms): the same reading for every server, Hive Gateway
   * included, which exposes no /metrics. Elsewhere than Linux, the process's own
   * process_cpu_seconds_total.
   */
  async cpuMs(): Promise<number> {
    const pid = this.child.pid;
    if (pid !== undefined && existsSync(`/proc/${pid}/stat`)) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
    }
    return (await this.metrics()).value('process_cpu_seconds_total') * 1000;
  }

  /** SIGTERM (a graceful stop, as an orchestrator does), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** "gateway logged N lines; first: …" when it logged anything (LOG_LEVEL=error). */
  logSummary(): string[] {
    if (this.lines === 0) return [];
    return [`${this.name} logged ${this.lines} lines; first:`, ...this.firstLines.map((line) => `  ${line}`)];
  }
}

export interface Subgraphs {
  users: ServerProcess;
  companions: ServerProcess;
  urls: { users: string; companions: string };
  stop(): Promise<void>;
}

/**
 * Benchmarks send far more than a FREE account's daily messages from one account: they run
 * with the FREE plan's limits lifted (platform/plans.ts), unless PLAN_ENTITLEMENTS is given.
 */
export const BENCH_PLAN_ENTITLEMENTS = JSON.stringify({
  FREE: { messagesPerDay: 1_000_000_000, companionsOwned: 1_000_000, longestMessageChars: 100_000 },
});

/** Each subgraph alone in its process (`node dist/subgraphs/<name>/main.js`), on free ports. */
export async function startSubgraphs(env: NodeJS.ProcessEnv): Promise<Subgraphs> {
  const [usersPort, companionsPort] = await freePorts(2);
  const base: NodeJS.ProcessEnv = {
    PLAN_ENTITLEMENTS: BENCH_PLAN_ENTITLEMENTS,
    ...env,
    HOST: '127.0.0.1',
    USERS_PORT: String(usersPort),
    COMPANIONS_PORT: String(companionsPort),
  };
  const start = (name: 'users' | 'companions', port: number) =>
    ServerProcess.start({
      name: `${name} subgraph`,
      args: [join(ROOT, `dist/subgraphs/${name}/main.js`)],
      // One PGlite cluster per process: on the embedded profile each subgraph gets its own directory.
      env: base.DATA_DIR ? { ...base, DATA_DIR: join(base.DATA_DIR, name) } : base,
      url: `http://127.0.0.1:${port}/graphql`,
      readyPath: '/health/ready',
    });
  const started = await Promise.allSettled([start('users', usersPort!), start('companions', companionsPort!)]);
  const [users, companions] = started;
  if (users.status === 'rejected' || companions.status === 'rejected') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw users.status === 'rejected' ? users.reason : (companions as PromiseRejectedResult).reason;
  }
  return {
    users: users.value,
    companions: companions.value,
    urls: { users: users.value.url, companions: companions.value.url },
    stop: async () => {
      await Promise.all([users.value.stop(), companions.value.stop()]);
    },
  };
}

/**
 * The gateway alone in its process (`node dist/gateway/main.js`), pointed at the subgraphs;
 * `nodeFlags` go to Node itself (the product's code and configuration stay as they are).
 */
export async function startGateway(
  env: NodeJS.ProcessEnv,
  subgraphs: { users: string; companions: string },
  nodeFlags: string[] = [],
): Promise<ServerProcess> {
  const [port] = await freePorts(1);
  return ServerProcess.start({
    name: 'gateway',
    args: [...nodeFlags, join(ROOT, 'dist/gateway/main.js')],
    env: {
      ...env,
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      USERS_URL: subgraphs.users,
      COMPANIONS_URL: subgraphs.companions,
    },
    url: `http://127.0.0.1:${port}/graphql`,
    readyPath: '/health/ready',
  });
}

// ---------------------------------------------------------------------------
// Hive Gateway, for comparison only: installed on demand into bench/hive (its own pinned
// package.json), never by the root `npm install`.

export const HIVE_DIR = join(ROOT, 'bench/hive');
const HIVE_BIN = join(HIVE_DIR, 'node_modules/@graphql-hive/gateway/dist/bin.js');

/** `npm install --prefix bench/hive` the first time (or `npm run bench:hive:install`). */
export async function ensureHive(log: (line: string) => void): Promise<void> {
  if (existsSync(HIVE_BIN)) return;
  log('installing Hive Gateway into bench/hive (first run only)…');
  // npm from the pinned Node's own install, as the npm scripts run it.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await new Promise<void>((done, reject) => {
    const child = spawn(npm, ['install', '--prefix', HIVE_DIR, '--no-fund', '--no-audit'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? done() : reject(new Error(`npm install --prefix bench/hive: ${code}`))));
  });
  if (!existsSync(HIVE_BIN)) throw new Error(`Hive Gateway not found at ${HIVE_BIN} after installing`);
}

/**
 * Hive Gateway's CLI on the same supergraph file and the same subgraph URLs, one process (no
 * workers), in-flight request deduplication off, adding the gateway secret and forwarding the
 * identity headers it is sent (bench/hive/gateway.config.mjs).
 */
export async function startHive(
  env: NodeJS.ProcessEnv,
  subgraphs: { users: string; companions: string },
  gatewaySecret: string,
): Promise<ServerProcess> {
  const [port] = await freePorts(1);
  return ServerProcess.start({
    name: 'Hive Gateway',
    args: [HIVE_BIN, 'supergraph', join(ROOT, 'schema/supergraph.graphql'), '--port', String(port), '--fork', '1'],
    cwd: HIVE_DIR,
    env: {
      PATH: env.PATH,
      HOME: env.HOME,
      NODE_ENV: 'production',
      HIVE_BENCH_HOST: '127.0.0.1',
      HIVE_BENCH_USERS_URL: subgraphs.users,
      HIVE_BENCH_COMPANIONS_URL: subgraphs.companions,
      HIVE_BENCH_GATEWAY_SECRET: gatewaySecret,
    },
    url: `http://127.0.0.1:${port}/graphql`,
    readyPath: '/readiness',
  });
}
