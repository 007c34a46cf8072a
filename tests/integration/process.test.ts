import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpProxy } from '../support/tcp-proxy.js';
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

async function ports() {
  return { GATEWAY_PORT: String(await TcpProxy.freePort()), USERS_PORT: String(await TcpProxy.freePort()) };
}

describe('the npm start process', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'nexus-process-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('prints one ready line, drains on SIGINT, exits 0, and keeps data across restarts', async () => {
    const email = uniqueEmail();
    const first = launch({ DATA_DIR: dataDir, ...(await ports()) });
    const url = await first.ready;
    expect(first.output().stdout.match(/ready at/g)).toHaveLength(1);
    await register(url, { email });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = launch({ DATA_DIR: dataDir, ...(await ports()) });
    const secondUrl = await second.ready;
    const login = await gql<{ login: { user: { email: string } } }>(secondUrl, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    expect(login.body.data!.login.user.email).toBe(email);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

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
