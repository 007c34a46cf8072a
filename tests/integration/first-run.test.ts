import { execFileSync, spawn } from 'node:child_process';
import { resolveGraphUrl } from '../../clients/sdk.js';
import { parseChatArgs } from '../../clients/chat/args.js';
import { bearer, gql, GOOD_PASSWORD, register, uniqueEmail } from '../support/http.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled entry point on this Node (the project's 24) with exactly the given environment additions. */
function run(script: string, args: string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const SEED_PASSWORD = 'seed-password-for-tests-1';
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken user { role } } }`;

describe('NEXUS_URL points every client at the graph', () => {
  test('--url wins over NEXUS_URL, which wins over the default; a bare origin gets /graphql', () => {
    expect(resolveGraphUrl(undefined, {})).toBe('http://127.0.0.1:4000/graphql');
    expect(resolveGraphUrl(undefined, { NEXUS_URL: 'http://graph.test:8080' })).toBe('http://graph.test:8080/graphql');
    expect(resolveGraphUrl('https://other.test/api/graphql', { NEXUS_URL: 'http://graph.test:8080' })).toBe(
      'https://other.test/api/graphql',
    );
    expect(() => resolveGraphUrl(undefined, { NEXUS_URL: 'graph.test' })).toThrow(
      'NEXUS_URL must be an http:// or https:// URL, got graph.test',
    );
    expect(() => resolveGraphUrl('ws://x.test/graphql')).toThrow('--url must be an http:// or https:// URL');
  });

  test('the chat client reads NEXUS_URL when --url is not given', () => {
    const saved = process.env.NEXUS_URL;
    process.env.NEXUS_URL = 'http://chat.test:4100';
    try {
      expect(parseChatArgs([]).url).toBe('http://chat.test:4100/graphql');
      expect(parseChatArgs(['--url', 'http://127.0.0.1:5000/graphql']).url).toBe('http://127.0.0.1:5000/graphql');
    } finally {
      if (saved === undefined) delete process.env.NEXUS_URL;
      else process.env.NEXUS_URL = saved;
    }
  });
});

test('.gitignore ignores no tracked file', () => {
  const ignoredButTracked = execFileSync('git', ['ls-files', '--cached', '--ignored', '--exclude-standard'], {
    encoding: 'utf8',
  });
  expect(ignoredButTracked).toBe('');
});

describe.each(profiles())('first run against a running graph ($name profile)', (profile) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(profile);
  }, 120_000);
  afterAll(() => stack?.destroy());

  test('the login CLI reaches the graph through NEXUS_URL; --token prints a token to capture', async () => {
    const email = uniqueEmail();
    await register(stack.gateway.url, { email });
    const exit = await run('dist/clients/cli/login.js', ['--token', email, GOOD_PASSWORD], {
      NEXUS_URL: stack.gateway.url,
    });
    expect(exit).toMatchObject({ code: 0, stderr: '' });
    const token = exit.stdout.trim();
    expect(exit.stdout).toBe(`${token}\n`);
    const me = await gql<{ me: { email: string } }>(stack.gateway.url, '{ me { email } }', {}, bearer(token));
    expect(me.body.data?.me.email).toBe(email);
  });

  test('npm run seed while the graph runs: seeded where the graph sees it, or refused in one line', async () => {
    const { config } = stack;
    const env: Record<string, string> = {
      DATA_DIR: stack.dataDir,
      DATABASE_PREFIX: config.DATABASE_PREFIX,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      KAFKA_TOPIC_PREFIX: config.KAFKA_TOPIC_PREFIX,
      PASSWORD_MEMORY_KIB: '8192',
      PASSWORD_ITERATIONS: '1',
      LOG_LEVEL: 'silent',
      SEED_PASSWORD,
      ...profile.env,
    };
    const exit = await run('dist/subgraphs/users/seed.js', [], env);
    const login = await gql<{ login: { user: { role: string } } }>(stack.gateway.url, LOGIN, {
      input: { email: 'analyst@nexus.local', password: SEED_PASSWORD },
    });
    if (profile.name === 'embedded') {
      // The running graph holds the PGlite directory: a second writer would be lost, so nothing is written.
      expect(exit.code).toBe(1);
      expect(exit.stdout).toBe('');
      expect(exit.stderr).toMatch(/^seed refused, nothing created: .* is in use by process \d+; .*\n$/);
      expect(exit.stderr.split('\n')).toHaveLength(2); // one line and its newline
      expect(login.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } else {
      // PostgreSQL is shared: the accounts land where the running graph reads them.
      expect(exit.code).toBe(0);
      // kafkajs 2.2.4 on Node 24 may warn about a negative timeout (its request queue); nothing else may appear.
      const otherErrors = exit.stderr
        .split('\n')
        .filter((line) => line && !/TimeoutNegative|Timeout duration|trace-warnings/.test(line));
      expect(otherErrors).toEqual([]);
      expect(exit.stdout).toContain('ANALYST   analyst@nexus.local');
      expect(login.body.errors).toBeUndefined();
      expect(login.body.data?.login.user.role).toBe('ANALYST');
    }
  }, 60_000);
});
