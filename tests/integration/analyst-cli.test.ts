import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runAnalyst } from '../../clients/analyst/cli.js';
import { Topic } from '../../schema/events/contracts.js';
import { event, type Envelope } from '../support/event-envelope.js';
import { GOOD_PASSWORD, register, uniqueEmail } from '../support/http.js';
import { eventually } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The fixture lives on the two UTC days before today (D0, D1); the CLI is asked about [D0, today). */
const today = Math.floor(Date.now() / DAY) * DAY;
const d0 = today - 2 * DAY;
const d1 = today - DAY;
const at = (day: number, hh: number, mm = 0) => new Date(day + hh * HOUR + mm * 60_000).toISOString();
const iso = (time: number) => new Date(time).toISOString();
const WINDOW = ['--from', iso(d0).slice(0, 10), '--to', iso(today).slice(0, 10)];

/** Three real accounts (so top-users shows their names) and a day and a half of their events. */
function fixture(a: string, b: string, c: string): Envelope[] {
  const conversation = randomUUID();
  const companion = randomUUID();
  const message = () => ({ conversationId: conversation, messageId: randomUUID(), companionId: companion, length: 12 });
  const reply = () => ({
    conversationId: conversation,
    messageId: randomUUID(),
    companionId: companion,
    status: 'COMPLETE' as const,
    finishReason: 'stop',
    promptTokens: 5,
    completionTokens: 5,
  });
  const registered = { role: 'USER', plan: 'FREE', status: 'ACTIVE' } as const;
  const s1 = randomUUID();
  return [
    event('user.registered', a, at(d0, 10), registered),
    event('user.login', a, at(d0, 10, 1), { sessionId: s1 }),
    event('conversation.started', a, at(d0, 10, 4), { conversationId: conversation, companionId: companion }),
    event('message.sent', a, at(d0, 10, 5), message()),
    event('message.received', a, at(d0, 10, 6), reply()),
    event('user.logout', a, at(d0, 10, 31), { sessionId: s1 }),
    event('message.sent', a, at(d1, 9), message()),
    event('message.received', a, at(d1, 9, 1), reply()),
    event('user.registered', b, at(d0, 11), registered),
    event('conversation.started', b, at(d0, 12), { conversationId: conversation, companionId: companion }),
    event('message.sent', b, at(d0, 12, 30), message()),
    event('subscription.created', b, at(d1, 8), {
      subscriptionId: 'sub-1',
      plan: 'PREMIUM',
      previousPlan: 'FREE',
      monthlyAmountCents: 999,
      currency: 'USD',
    }),
    event('payment.completed', b, at(d1, 8, 1), {
      paymentId: 'pay-1',
      subscriptionId: 'sub-1',
      plan: 'PREMIUM',
      amountCents: 999,
      currency: 'USD',
    }),
    event('user.registered', c, at(d0, 13), registered),
    event('user.login', c, at(d0, 13, 5), { sessionId: randomUUID() }),
  ];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe.each(profiles())('nexus-analyst ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let configHome: string;
  let userConfigHome: string;
  const ids = { a: '', b: '', c: '' };
  let analystEmail: string;
  let userEmail: string;

  /** The CLI in this process, exactly as the bin runs it, with its own config directory. */
  async function analyst(
    argv: string[],
    options: { home?: string; stop?: AbortSignal; onOutput?: (text: string) => void; stdin?: string[] } = {},
  ): Promise<Run> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      options.onOutput?.(out);
    });
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await runAnalyst(argv, {
      stdout,
      stderr,
      stdin: Readable.from(options.stdin ?? []),
      env: { XDG_CONFIG_HOME: options.home ?? configHome, NEXUS_URL: url },
      stop: options.stop,
    });
    return { code, stdout: out, stderr: err };
  }

  beforeAll(async () => {
    // Access tokens live 6 s: the CLI has to renew them between (and during) commands.
    stack = await startTestStack(profile, { ACCESS_TOKEN_TTL_SECONDS: '6' });
    url = stack.gateway.url;
    configHome = mkdtempSync(join(tmpdir(), 'nexus-analyst-'));
    userConfigHome = mkdtempSync(join(tmpdir(), 'nexus-analyst-user-'));
    const [a, b, c] = await Promise.all([
      register(url, { displayName: 'Ada' }),
      register(url, { displayName: 'Bob "the builder", Jr' }),
      register(url, { displayName: 'Cy' }),
    ]);
    Object.assign(ids, { a: a.id, b: b.id, c: c.id });
    analystEmail = uniqueEmail('analyst');
    userEmail = uniqueEmail('user');
    const staff = await register(url, { email: analystEmail, displayName: 'Ann Alyst' });
    await register(url, { email: userEmail });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', ['ANALYST', staff.id]);
    const events = fixture(a.id, b.id, c.id);
    await stack.runtime.bus.publish(
      Topic.analytics,
      events.map((e) => ({ key: e.userId, value: JSON.stringify(e) })),
    );
    const login = await analyst(['login', '--email', analystEmail, '--password', GOOD_PASSWORD]);
    expect(login).toMatchObject({ code: 0, stderr: '' });
    await eventually(async () => {
      const run = await analyst(['metrics', ...WINDOW, '--format', 'json']);
      return run.code === 0 && (JSON.parse(run.stdout) as { totalEvents: number }).totalEvents === events.length
        ? true
        : undefined;
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    for (const dir of [configHome, userConfigHome]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the session is kept in the config dir, readable by its owner alone, without the password', () => {
    const dir = join(configHome, 'nexus');
    const file = join(dir, 'analyst-session.json');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(GOOD_PASSWORD);
    const stored = JSON.parse(text) as { sessions: Record<string, { refreshToken: string; user: { role: string } }> };
    expect(Object.keys(stored.sessions)).toEqual([url]);
    expect(stored.sessions[url]!.user.role).toBe('ANALYST');
  });

  test('metrics: the fixture as an aligned table', async () => {
    const run = await analyst(['metrics', ...WINDOW]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        `Platform ${iso(d0)} – ${iso(today)}`,
        'metric            value',
        '---------------  ------',
        'dau                   2',
        'mau                   3',
        'active_users          3',
        'total_events         15',
        'conversions           1',
        'conversion_rate  33.3 %',
        'revenue            9.99',
        'mrr                9.99',
        'arpu               3.33',
        '',
      ].join('\n'),
    );
  });

  test('metrics without --to: the daily series to today as a sparkline', async () => {
    const run = await analyst(['metrics', '--from', iso(d0).slice(0, 10), '--format', 'json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { eventsPerDay: { start: string; count: number }[] };
    expect(json.eventsPerDay.slice(0, 2)).toEqual([
      { start: iso(d0), count: 11 },
      { start: iso(d1), count: 4 },
    ]);
    const table = await analyst(['metrics', '--from', iso(d0).slice(0, 10)]);
    const spark = table.stdout.split('\n').find((line) => line.startsWith('events/day'));
    // Three days, one character each; today holds this suite's own sign-ups and sign-ins.
    expect(spark).toMatch(new RegExp(`^events/day, ${iso(d0).slice(0, 10)} → today  [▁-█]{3}  total \\d+, peak \\d+$`));
  });

  test('top-events as a table, CSV and JSON', async () => {
    const table = await analyst(['top-events', ...WINDOW]);
    expect(table.stdout).toBe(
      [
        'type                  count',
        '--------------------  -----',
        'message.sent              3',
        'user.registered           3',
        'conversation.started      2',
        'message.received          2',
        'user.login                2',
        'payment.completed         1',
        'subscription.created      1',
        'user.logout               1',
        '',
      ].join('\n'),
    );
    const csv = await analyst(['top-events', ...WINDOW, '--limit', '3', '--format', 'csv']);
    expect(csv.stdout).toBe('type,count\r\nmessage.sent,3\r\nuser.registered,3\r\nconversation.started,2\r\n');
    const json = await analyst(['top-events', ...WINDOW, '--limit', '2', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { type: 'message.sent', count: 3 },
      { type: 'user.registered', count: 3 },
    ]);
  });

  test('top-users: names from the users subgraph; CSV quotes a name with a comma and quotes', async () => {
    const csv = await analyst(['top-users', ...WINDOW, '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(
      `user_id,display_name,count\r\n${ids.a},Ada,8\r\n${ids.b},"Bob ""the builder"", Jr",5\r\n${ids.c},Cy,2\r\n`,
    );
    const table = await analyst(['top-users', ...WINDOW]);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${'user_id'.padEnd(36)}  display_name           count`);
    expect(lines[3]).toBe(`${ids.b}  Bob "the builder", Jr      5`);
  });

  test('funnel: users per step in order, conversions, and the steps as a sparkline', async () => {
    const steps = ['user.registered', 'conversation.started', 'message.sent', 'subscription.created'];
    const table = await analyst(['funnel', ...steps, ...WINDOW]);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(
      [
        'Funnel: 33.3 % of those who did the first step did the last',
        'step  type                  users  conversion  overall',
        '----  --------------------  -----  ----------  -------',
        '   1  user.registered           3     100.0 %  100.0 %',
        '   2  conversation.started      2      66.7 %   66.7 %',
        '   3  message.sent              2     100.0 %   66.7 %',
        '   4  subscription.created      1      50.0 %   33.3 %',
        '',
        'users by step  █▆▆▃  total 8, peak 3',
        '',
      ].join('\n'),
    );
    const json = await analyst(['funnel', ...steps, ...WINDOW, '--format', 'json']);
    const funnel = JSON.parse(json.stdout) as { conversion: number; steps: { users: number }[] };
    expect(funnel.steps.map((step) => step.users)).toEqual([3, 2, 2, 1]);
    expect(funnel.conversion).toBeCloseTo(1 / 3, 6);
  });

  test('retention: the D0 cohort, its rates per period, CSV well-formed', async () => {
    const csv = await analyst(['retention', '--cohort', 'day', '--periods', '3', '--format', 'csv']);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.split('\r\n');
    expect(rows.at(-1)).toBe('');
    expect(rows[0]).toBe('cohort,size,p0,p1,p2');
    // Ada, Bob and Cy registered on D0 (the fixture) and again today through the graph: active today too.
    expect(rows[1]).toBe(`${iso(d0).slice(0, 10)},3,1,${2 / 3},1`);
    for (const row of rows.slice(1, -1)) expect(row.split(',')).toHaveLength(5);
    const table = await analyst(['retention', '--periods', '3']);
    expect(table.stdout).toContain(`${iso(d0).slice(0, 10)}     3  100.0 %  66.7 %  100.0 %`);
    expect(table.stdout).toContain(`${iso(d0).slice(0, 10)} retained  █▆█  total 8, peak 3`);
  });

  test('an expired access token is renewed with the refresh token, and the new one kept', async () => {
    const file = join(configHome, 'nexus', 'analyst-session.json');
    const before = JSON.parse(readFileSync(file, 'utf8')).sessions[url] as { refreshToken: string; expiresAt: string };
    // Wait until the kept access token has lapsed (6 s tokens).
    await eventually(() => (Date.now() > Date.parse(before.expiresAt) + 500 ? true : undefined), 20_000);
    const run = await analyst(['top-events', ...WINDOW, '--limit', '1', '--format', 'csv']);
    expect(run).toEqual({ code: 0, stdout: 'type,count\r\nmessage.sent,3\r\n', stderr: '' });
    const after = JSON.parse(readFileSync(file, 'utf8')).sessions[url] as { refreshToken: string; expiresAt: string };
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.now());
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Two commands find the token lapsed at once: one renews, the other takes what it kept.
    // (Spending the same single-use refresh token twice would end the session for both.)
    await eventually(() => (Date.now() > Date.parse(after.expiresAt) + 500 ? true : undefined), 20_000);
    const both = await Promise.all([
      analyst(['top-events', ...WINDOW, '--limit', '1', '--format', 'csv']),
      analyst(['top-users', ...WINDOW, '--limit', '1', '--format', 'csv']),
    ]);
    expect(both.map((r) => [r.code, r.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    expect((await analyst(['whoami', '--format', 'csv'])).code).toBe(0);
  });

  test('bad input answers with the graph code and field; a bad command line with the usage', async () => {
    const limit = await analyst(['top-users', '--limit=-1']);
    expect(limit.code).toBe(1);
    expect(limit.stderr).toMatch(/^nexus-analyst: BAD_USER_INPUT: .* \(field: limit\)\n$/);
    const reversed = await analyst(['metrics', '--from', iso(today).slice(0, 10), '--to', iso(d0).slice(0, 10)]);
    expect(reversed.stderr).toMatch(/BAD_USER_INPUT: .* \(field: from\)/);
    const usage = await analyst(['funnel', 'only.one']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('funnel needs at least two steps');
    const date = await analyst(['metrics', '--from', 'yesterday']);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--from must be a date or time');
  });

  test('login reads a piped password; an unreachable graph is named with its cause', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nexus-analyst-piped-'));
    try {
      const login = await analyst(['login', '--email', analystEmail], { home, stdin: [`${GOOD_PASSWORD}\n`] });
      expect(login).toEqual({
        code: 0,
        stdout: `signed in as Ann Alyst <${analystEmail}> (ANALYST) at ${url}\n`,
        stderr: '',
      });
      const closed = `http://127.0.0.1:${await TcpProxy.freePort()}/graphql`;
      const down = await analyst(['login', '--url', closed, '--email', analystEmail, '--password', 'x'], { home });
      expect(down).toMatchObject({ code: 1, stderr: 'nexus-analyst: fetch failed (ECONNREFUSED)\n' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('a USER is told FORBIDDEN and why; without a session the CLI says to log in', async () => {
    const none = await analyst(['metrics'], { home: userConfigHome });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`nexus-analyst: not signed in at ${url}: run nexus-analyst login\n`);
    const login = await analyst(['login', '--email', userEmail, '--password', GOOD_PASSWORD], { home: userConfigHome });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('analytics commands need the ANALYST or ADMIN role; this account is USER');
    const metrics = await analyst(['metrics'], { home: userConfigHome });
    expect(metrics.code).toBe(1);
    expect(metrics.stderr).toMatch(
      /^nexus-analyst: FORBIDDEN: .*; analytics needs the ANALYST or ADMIN role, .* is USER\n$/,
    );
    const logout = await analyst(['logout'], { home: userConfigHome });
    expect(logout).toMatchObject({ code: 0, stdout: `signed out of ${url}\n` });
    expect((await analyst(['whoami'], { home: userConfigHome })).stderr).toContain('not signed in');
  });

  test('live: an update a second; events tracked meanwhile show up; stops when asked', async () => {
    const stop = new AbortController();
    const updates = () => lines.map((line) => JSON.parse(line) as { todayEvents: number });
    let lines: string[] = [];
    let first: number | undefined;
    let published = false;
    const running = analyst(['live', '--format', 'json'], {
      stop: stop.signal,
      onOutput: (out) => {
        lines = out.split('\n').filter(Boolean);
        first ??= updates()[0]?.todayEvents;
        if (first !== undefined && !published) {
          published = true;
          const now = new Date().toISOString();
          void stack.runtime.bus.publish(
            Topic.analytics,
            Array.from({ length: 5 }, () => {
              const e = event('message.sent', ids.c, now, {
                conversationId: randomUUID(),
                messageId: randomUUID(),
                companionId: randomUUID(),
                length: 3,
              });
              return { key: e.userId, value: JSON.stringify(e) };
            }),
          );
        }
        if (first !== undefined && updates().some((update) => update.todayEvents >= first! + 5)) stop.abort();
      },
    });
    const run = await running;
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const seen = updates();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)!.todayEvents).toBeGreaterThanOrEqual(first! + 5);
    // Stamps a second apart (the interval), give or take scheduling.
    const stamps = lines.map((line) => Date.parse((JSON.parse(line) as { at: string }).at));
    expect(stamps.at(-1)! - stamps[0]!).toBeGreaterThanOrEqual((seen.length - 1) * 900);
  }, 60_000);

  test('live outlasts its access token: the socket the gateway closes at expiry reopens with a renewed one', async () => {
    const file = join(configHome, 'nexus', 'analyst-session.json');
    const kept = () =>
      (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Record<string, { refreshToken: string }> }).sessions[url]!
        .refreshToken;
    const before = kept();
    const stop = new AbortController();
    let stamps: number[] = [];
    const run = await analyst(['live', '--format', 'json'], {
      stop: stop.signal,
      onOutput: (out) => {
        stamps = out
          .split('\n')
          .filter(Boolean)
          .map((line) => Date.parse((JSON.parse(line) as { at: string }).at));
        // Tokens live 6 s: 13 s of updates span at least one expiry of the socket's token.
        if (stamps.at(-1)! - stamps[0]! >= 13_000) stop.abort();
      },
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(kept()).not.toBe(before);
    // Updates kept coming: no gap longer than a reconnect.
    const gaps = stamps.slice(1).map((stamp, i) => stamp - stamps[i]!);
    expect(Math.max(...gaps)).toBeLessThan(5_000);
  }, 60_000);

  test('the bin runs on the project Node 24 whatever node is on PATH, and reads NEXUS_URL', async () => {
    // Through a symlink in another directory, as npm links a bin (npm link, a global install).
    const binDir = mkdtempSync(join(tmpdir(), 'nexus-bin-'));
    symlinkSync(join(process.cwd(), 'clients/analyst/bin/nexus-analyst'), join(binDir, 'nexus-analyst'));
    const child = spawn(join(binDir, 'nexus-analyst'), ['top-events', ...WINDOW, '--format', 'csv', '--limit', '1'], {
      env: { PATH: '/usr/bin:/bin', HOME: configHome, XDG_CONFIG_HOME: configHome, NEXUS_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    rmSync(binDir, { recursive: true, force: true });
    expect({ code, out, err }).toEqual({ code: 0, out: 'type,count\r\nmessage.sent,3\r\n', err: '' });
  }, 30_000);
});
