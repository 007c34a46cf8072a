import { createMetrics } from '../../platform/metrics.js';
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../../platform/config.js';
import { OutboxRelay } from '../../platform/events/outbox.js';
import { Loaders } from '../../platform/loaders.js';
import { openScratchDatabase } from '../../platform/orm.js';
import { closeRuntime, createRuntime } from '../../platform/server/runtime.js';
import { usersSubgraph } from '../../subgraphs/users/schema.js';
import { freeGraphPorts } from '../support/graph-process.js';
import { gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail } from '../support/http.js';

/** `npm start`'s entry point as a real child process, on the embedded default. */
function launch(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/scripts/start.js'], {
    env: { ...process.env, LOG_LEVEL: 'warn', PASSWORD_MEMORY_KIB: '8192', PASSWORD_ITERATIONS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /NexusAI graph ready at (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before ready: ${stderr}`)));
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

/** Reads the embedded cluster as an operator would, once no process holds it. */
async function inCluster<T>(dataDir: string, work: (db: PGlite) => Promise<T>): Promise<T> {
  const db = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function login(url: string, email: string) {
  const response = await gql<{ login: { user: { email: string } } }>(url, LOGIN, {
    input: { email, password: GOOD_PASSWORD },
  });
  return response.body.data?.login.user.email;
}

/** What an earlier version left behind: the users subgraph in a PGlite cluster of its own, `DATA_DIR/users`. */
async function legacyUsersDirectory(dataDir: string, email: string): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PASSWORD_MEMORY_KIB: '8192',
    PASSWORD_ITERATIONS: '1',
  });
  const runtime = await createRuntime(config, 'legacy');
  const orm = await openScratchDatabase(
    {
      service: 'users',
      config,
      logger: runtime.logger,
      entities: usersSubgraph.entities,
      migrations: usersSubgraph.migrations,
    },
    join(dataDir, 'users'),
  );
  const outbox = new OutboxRelay({ orm, bus: runtime.bus, logger: runtime.logger });
  const { accounts } = usersSubgraph.createServices({ ...runtime, orm, outbox, metrics: createMetrics('users') });
  await accounts.register(
    { em: orm.em.fork(), identity: null, loaders: new Loaders(), logger: runtime.logger, requestId: 'legacy' },
    { email, password: GOOD_PASSWORD, displayName: 'Legacy' },
  );
  await orm.close();
  await closeRuntime(runtime);
}

describe('the npm start process', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'nexus-process-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('prints one ready line, drains on SIGINT, exits 0, and keeps data across restarts', async () => {
    const email = uniqueEmail();
    const first = launch({ DATA_DIR: dataDir, ...(await freeGraphPorts()) });
    const url = await first.ready;
    expect(first.output().stdout.match(/ready at/g)).toHaveLength(1);
    await register(url, { email });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = launch({ DATA_DIR: dataDir, ...(await freeGraphPorts()) });
    const secondUrl = await second.ready;
    expect(await login(secondUrl, email)).toBe(email);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  test('keeps every subgraph in its own schema of one PGlite cluster, across restarts', async () => {
    const first = launch({ DATA_DIR: dataDir, ...(await freeGraphPorts()) });
    await register(await first.ready, { email: uniqueEmail() });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const tables = await inCluster(dataDir, async (db) => {
      const result = await db.query<{ name: string }>(
        `select table_schema || '.' || table_name as name from information_schema.tables
         where table_schema in ('public', 'users', 'companions') order by 1`,
      );
      return result.rows.map((row) => row.name);
    });
    // The same table name in two subgraphs stays two tables; nothing lands in public.
    expect(tables).toEqual(
      expect.arrayContaining(['users.users', 'users.outbox', 'companions.companions', 'companions.outbox']),
    );
    expect(tables.filter((name) => name.startsWith('public.'))).toEqual([]);
    expect(existsSync(join(dataDir, 'users'))).toBe(false);
    expect(existsSync(join(dataDir, 'companions'))).toBe(false);
  }, 180_000);

  test('imports a per-subgraph directory of an earlier version and keeps the old one aside', async () => {
    const legacyDir = mkdtempSync(join(tmpdir(), 'nexus-legacy-'));
    try {
      const email = uniqueEmail('legacy');
      await legacyUsersDirectory(legacyDir, email);
      const run = launch({ DATA_DIR: legacyDir, ...(await freeGraphPorts()) });
      const url = await run.ready;
      expect(await login(url, email)).toBe(email);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(existsSync(join(legacyDir, 'users'))).toBe(false);
      expect(existsSync(join(legacyDir, 'users.imported', 'PG_VERSION'))).toBe(true);

      // Imported once: the next start uses the shared cluster alone and still has the account.
      const again = launch({ DATA_DIR: legacyDir, ...(await freeGraphPorts()) });
      expect(await login(await again.ready, email)).toBe(email);
      again.child.kill('SIGINT');
      expect(await again.exited).toBe(0);
    } finally {
      rmSync(legacyDir, { recursive: true, force: true });
    }
  }, 180_000);

  test('a second process on the same DATA_DIR is refused in one line, and the first keeps running', async () => {
    const first = launch({ DATA_DIR: dataDir, ...(await freeGraphPorts()) });
    const url = await first.ready;
    const second = launch({ DATA_DIR: dataDir, ...(await freeGraphPorts()) });
    second.ready.catch(() => undefined);
    expect(await second.exited).toBe(1);
    const lines = second.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('in use by process');
    expect(await login(url, uniqueEmail('nobody'))).toBeUndefined(); // still answering
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
  }, 180_000);

  test.each([
    [{ GATEWAY_PORT: 'eighty' }, 'GATEWAY_PORT'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
  ])('a bad configuration is named in one line and exits 1 (%j)', async (env, name) => {
    const run = launch({ DATA_DIR: dataDir, ...(env as Record<string, string>) });
    run.ready.catch(() => undefined);
    expect(await run.exited).toBe(1);
    const lines = run.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  });
});
