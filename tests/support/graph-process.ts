import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, SUBGRAPHS } from '../../platform/config.js';
import { TcpProxy } from './tcp-proxy.js';
import { subgraphParams } from './ws.js';

/** `npm start`'s whole graph as a child process: what an operator runs, crashes and all. */
export interface GraphProcess {
  child: ChildProcess;
  gatewayUrl: string;
  companionsUrl: string;
  /** Base URLs (no path) of each service, for /health and /metrics. */
  base: { gateway: string; users: string; companions: string };
  exited: Promise<number | null>;
  /** SIGTERM and wait (a graceful stop). */
  stop(): Promise<number | null>;
}

/** Names a run's own databases, Redis keys and Kafka topics, so runs never see each other's data. */
export function runPrefixes(): Record<string, string> {
  const runId = `t${randomBytes(5).toString('hex')}`;
  return { DATABASE_PREFIX: runId, REDIS_KEY_PREFIX: `${runId}:`, KAFKA_TOPIC_PREFIX: `${runId}.` };
}

export async function launchGraph(env: Record<string, string>): Promise<GraphProcess> {
  const ports = {
    GATEWAY_PORT: String(await TcpProxy.freePort()),
    USERS_PORT: String(await TcpProxy.freePort()),
    COMPANIONS_PORT: String(await TcpProxy.freePort()),
    // Every port free, not only those the tests talk to: runs side by side must never meet on a default.
    MODERATION_PORT: String(await TcpProxy.freePort()),
    ANALYTICS_PORT: String(await TcpProxy.freePort()),
  };
  const child = spawn(process.execPath, ['dist/scripts/start.js'], {
    env: {
      ...process.env,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      PASSWORD_MEMORY_KIB: '8192',
      PASSWORD_ITERATIONS: '1',
      ...ports,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /NexusAI graph ready at (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`graph exited with ${code} before ready`)));
  });
  child.stdout!.resume();
  const base = (port: string) => `http://127.0.0.1:${port}`;
  return {
    child,
    gatewayUrl,
    companionsUrl: `${base(ports.COMPANIONS_PORT)}/graphql`,
    base: { gateway: base(ports.GATEWAY_PORT), users: base(ports.USERS_PORT), companions: base(ports.COMPANIONS_PORT) },
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** connection_init a gateway would send a subgraph for this token's user (the development gateway secret). */
export function subgraphIdentity(accessToken: string): Record<string, string> {
  return subgraphParams({ config: loadConfig({}) }, accessToken);
}

/** Drops the PostgreSQL databases a run created. */
export async function dropRunDatabases(databaseUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const service of SUBGRAPHS) await client.query(`drop database if exists "${prefix}_${service}" with (force)`);
  } finally {
    await client.end();
  }
}

/** Polls until `probe` returns a value, or fails after the deadline. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
