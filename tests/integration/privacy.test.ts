import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SUBGRAPHS } from '../../platform/config.js';
import { Topic } from '../../schema/events/contracts.js';
import { routeLogsTo } from '../../platform/logger.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { event } from '../support/event-envelope.js';
import {
  bearer,
  errorCode,
  gql,
  GOOD_PASSWORD,
  LOGIN,
  REGISTER,
  register,
  uniqueEmail,
  type Account,
} from '../support/http.js';
import { eventually, promote } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CONSENTS = `{ me { consents { purpose granted policyVersion } consentHistory { purpose granted policyVersion } } }`;
const SET_CONSENT = `mutation($p: ConsentPurpose!, $g: Boolean!, $v: String!) {
  setConsent(purpose: $p, granted: $g, policyVersion: $v) { purpose granted policyVersion } }`;
const TRACK = `mutation { trackEvent(input: { type: "page.view", properties: { path: "/diary" } }) }`;
const DELETE = `mutation($p: String!) { deleteAccount(password: $p) }`;
const AUDIT = `query($f: AuditLogFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) {
  edges { node { action category actorId subjectId details } } pageInfo { hasNextPage endCursor } } }`;
const POLICY = '2026-11-30';

const progress = (step: string) => process.env.PRIVACY_TEST_TRACE && process.stderr.write(`privacy test: ${step}\n`);

interface ConsentView {
  purpose: string;
  granted: boolean;
  policyVersion: string | null;
}

/** Every text and JSON column of every table of every subgraph's database, as text. */
async function everyText(stack: TestStack): Promise<{ where: string; value: string }[]> {
  const found: { where: string; value: string }[] = [];
  for (const service of SUBGRAPHS) {
    if (!stack.subgraphs[service]) continue;
    const columns = await execSql<{ table_name: string; column_name: string }>(
      stack,
      service,
      `select c.table_name, c.column_name from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
          and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')`,
    );
    for (const { table_name: table, column_name: column } of columns) {
      const rows = await execSql<{ v: string | null }>(
        stack,
        service,
        `select "${column}"::text as v from "${table}" where "${column}" is not null`,
      );
      for (const row of rows) if (row.v) found.push({ where: `${service}.${table}.${column}`, value: row.v });
    }
  }
  return found;
}

describe.each(profiles())('personal data and audit log ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let admin: Account;
  let moderator: Account;
  const lines: string[] = [];

  beforeAll(async () => {
    // Everything the stack logs, at debug level, is kept for the redaction test.
    routeLogsTo(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    // The users subgraph reads ERASURE_GRACE_DAYS itself (privacy/privacy-settings.ts) when it starts.
    const saved = process.env.ERASURE_GRACE_DAYS;
    process.env.ERASURE_GRACE_DAYS = '0';
    try {
      stack = await startTestStack(profile, { LOG_LEVEL: 'debug' });
    } finally {
      routeLogsTo(undefined);
      if (saved === undefined) delete process.env.ERASURE_GRACE_DAYS;
      else process.env.ERASURE_GRACE_DAYS = saved;
    }
    url = stack.gateway.url;
    [admin, moderator] = await Promise.all([promote(stack, 'ADMIN'), promote(stack, 'MODERATOR')]);
  }, 240_000);
  afterAll(async () => {
    await stack?.destroy();
  }, 120_000);

  const consentsOf = async (account: Account) =>
    (
      await gql<{ me: { consents: ConsentView[]; consentHistory: ConsentView[] } }>(
        url,
        CONSENTS,
        {},
        bearer(account.accessToken),
      )
    ).body.data!.me;

  test('registration records the accepted policy and refuses every purpose not granted', async () => {
    const account = await register(url, { consents: [] });
    const { consents, consentHistory } = await consentsOf(account);
    expect(consents).toEqual([
      { purpose: 'ANALYTICS', granted: false, policyVersion: POLICY },
      { purpose: 'MARKETING', granted: false, policyVersion: POLICY },
    ]);
    expect(consentHistory).toContainEqual({ purpose: 'TERMS', granted: true, policyVersion: POLICY });

    const outdated = await gql(url, REGISTER, {
      input: { email: uniqueEmail(), password: GOOD_PASSWORD, displayName: 'Old', acceptedPolicyVersion: '2020-01-01' },
    });
    expect(errorCode(outdated)).toBe('BAD_USER_INPUT');
    expect(outdated.body.errors?.[0]?.extensions?.reason).toBe('POLICY_OUTDATED');
    // Anyone, signed in or not, can learn the version in force before registering.
    expect((await gql(url, '{ privacyPolicyVersion }')).body.data).toEqual({ privacyPolicyVersion: POLICY });
  });

  test('setConsent keeps a history; another user cannot read it; bad versions are refused', async () => {
    const account = await register(url, { consents: [] });
    const granted = await gql<{ setConsent: ConsentView[] }>(
      url,
      SET_CONSENT,
      { p: 'MARKETING', g: true, v: POLICY },
      bearer(account.accessToken),
    );
    expect(granted.body.data!.setConsent).toContainEqual({
      purpose: 'MARKETING',
      granted: true,
      policyVersion: POLICY,
    });
    await gql(url, SET_CONSENT, { p: 'MARKETING', g: false, v: POLICY }, bearer(account.accessToken));
    const { consents, consentHistory } = await consentsOf(account);
    expect(consents.find((c) => c.purpose === 'MARKETING')?.granted).toBe(false);
    expect(consentHistory.filter((c) => c.purpose === 'MARKETING').map((c) => c.granted)).toEqual([false, true, false]);

    const other = await register(url);
    const peek = await gql<{ user: { consents: unknown } }>(
      url,
      `query($id: ID!) { user(id: $id) { consents { granted } } }`,
      { id: account.id },
      bearer(other.accessToken),
    );
    expect(peek.body.data!.user.consents).toBeNull();
    const bad = await gql(
      url,
      SET_CONSENT,
      { p: 'ANALYTICS', g: true, v: 'x'.repeat(40) },
      bearer(account.accessToken),
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const anonymous = await gql(url, SET_CONSENT, { p: 'ANALYTICS', g: true, v: POLICY });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });

  test('without ANALYTICS consent tracked events are dropped and operational events lose the identity', async () => {
    const refusing = await register(url, { consents: [] });
    const consenting = await register(url);
    // The projection learns the choices from user.registered on analytics-events.
    const pseudonym = await eventually(async () => {
      const rows = await execSql<{ pseudonym: string; granted: boolean }>(
        stack,
        'analytics',
        'select pseudonym, granted from analytics_consents where user_id = ?',
        [refusing.id],
      );
      return rows[0]?.granted === false ? rows[0].pseudonym : undefined;
    }, 60_000);
    const dropped = await gql<{ trackEvent: boolean }>(url, TRACK, {}, bearer(refusing.accessToken));
    expect(dropped.body.data!.trackEvent).toBe(false);
    await eventually(async () => {
      const response = await gql<{ trackEvent: boolean }>(url, TRACK, {}, bearer(consenting.accessToken));
      return response.body.data!.trackEvent ? true : undefined;
    }, 60_000);
    await eventually(async () => {
      const rows = await execSql(
        stack,
        'analytics',
        `select 1 from analytics_events where user_id = ? and type = 'page.view'`,
        [consenting.id],
      );
      return rows.length ? true : undefined;
    }, 60_000);
    // The refusing user's registration is counted, under the pseudonym only.
    const byPseudonym = await execSql<{ type: string }>(
      stack,
      'analytics',
      'select type from analytics_events where user_id = ?',
      [pseudonym],
    );
    expect(byPseudonym.map((row) => row.type)).toContain('user.registered');
    expect(
      await execSql(stack, 'analytics', 'select 1 from analytics_events where user_id = ? or actor_id = ?', [
        refusing.id,
        refusing.id,
      ]),
    ).toEqual([]);

    // Withdrawing applies from then on.
    await gql(url, SET_CONSENT, { p: 'ANALYTICS', g: false, v: POLICY }, bearer(consenting.accessToken));
    await eventually(async () => {
      const response = await gql<{ trackEvent: boolean }>(url, TRACK, {}, bearer(consenting.accessToken));
      return response.body.data!.trackEvent === false ? true : undefined;
    }, 60_000);
  });

  test('audit log: status changes and repeated sign-in failures are recorded; only admins read it; rows cannot change', async () => {
    const target = await register(url);
    const warned = await gql(
      url,
      `mutation($id: ID!) { setUserStatus(userId: $id, status: WARNED, reason: "spam") { status } }`,
      { id: target.id },
      bearer(moderator.accessToken),
    );
    expect(warned.body.errors).toBeUndefined();
    for (let i = 0; i < 5; i += 1) {
      const failed = await gql(url, LOGIN, { input: { email: target.email, password: 'wrong-password-1' } });
      expect(errorCode(failed)).toBe('UNAUTHENTICATED');
    }
    const read = await gql<{ auditLog: { edges: { node: Record<string, unknown> }[] } }>(
      url,
      AUDIT,
      { f: { subjectId: target.id } },
      bearer(admin.accessToken),
    );
    const entries = read.body.data!.auditLog.edges.map((edge) => edge.node);
    expect(entries).toContainEqual({
      action: 'user.status_changed',
      category: 'STAFF_ACTION',
      actorId: moderator.id,
      subjectId: target.id,
      details: { from: 'ACTIVE', to: 'WARNED', reason: 'spam', caseId: null },
    });
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'auth.sign_in_failures', category: 'SECURITY', subjectId: target.id }),
    );

    const firstPage = await gql<{
      auditLog: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>(url, AUDIT, { f: { subjectId: target.id }, first: 1 }, bearer(admin.accessToken));
    expect(firstPage.body.data!.auditLog.edges).toHaveLength(1);
    expect(firstPage.body.data!.auditLog.pageInfo.hasNextPage).toBe(true);
    const secondPage = await gql<{ auditLog: { edges: unknown[] } }>(
      url,
      AUDIT,
      { f: { subjectId: target.id }, first: 1, after: firstPage.body.data!.auditLog.pageInfo.endCursor },
      bearer(admin.accessToken),
    );
    expect(secondPage.body.data!.auditLog.edges).toHaveLength(1);
    expect(secondPage.body.data!.auditLog.edges).not.toEqual(firstPage.body.data!.auditLog.edges);

    for (const viewer of [moderator, target]) {
      const refused = await gql(url, AUDIT, {}, bearer(viewer.accessToken));
      expect(errorCode(refused)).toBe('FORBIDDEN');
    }
    await expect(execSql(stack, 'users', `update audit_log set action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(execSql(stack, 'users', `delete from audit_log`)).rejects.toThrow(/append-only/);
  });

  test('deleteAccount: at once blocked and anonymised; every subgraph erases; a scan of every database finds nothing', async () => {
    const email = uniqueEmail('erased');
    const displayName = 'Zephyrine Quillfeather';
    const account = await register(url, { email, displayName });
    const secret = 'my secret diary about Quillfeather island';
    const companionName = 'Orrinvale';
    const companionId = await createCompanion(url, account.accessToken, {
      name: companionName,
      description: 'Knows the Quillfeather family history.',
    });
    const conversationId = await startConversation(url, account.accessToken, companionId);
    const sent = await send(url, account.accessToken, conversationId, secret);
    expect(sent.body.errors).toBeUndefined();
    const bystander = await register(url);
    const reported = await gql(
      url,
      `mutation($input: ReportContentInput!) { reportContent(input: $input) }`,
      {
        input: {
          contentType: 'USER_PROFILE',
          contentId: bystander.id,
          reason: 'spam',
          details: 'reported by Zephyrine',
        },
      },
      bearer(account.accessToken),
    );
    expect(reported.body.errors).toBeUndefined();
    // Moderation has opened the cases about the message and about the companion's finished
    // reply (which quotes it) before the account goes, so the scan below sees them erased.
    // Content arriving after the erasure is dropped at intake (the next test).
    const { message, reply } = sent.body.data!.sendMessage;
    await eventually(async () => {
      const rows = await execSql(stack, 'moderation', 'select 1 from moderation_cases where content_id in (?, ?)', [
        message.id,
        reply.id,
      ]);
      return rows.length === 2 ? true : undefined;
    }, 100_000);

    progress('case opened');
    // A ready data export holds all of it (email, name, texts): the erasure deletes it too.
    const requested = await gql(url, `mutation { requestDataExport { id } }`, {}, bearer(account.accessToken));
    expect(requested.body.errors).toBeUndefined();
    await eventually(async () => {
      const view = await gql<{ dataExport: { status: string } | null }>(
        url,
        `{ dataExport { status } }`,
        {},
        bearer(account.accessToken),
      );
      return view.body.data?.dataExport?.status === 'READY' ? true : undefined;
    }, 30_000);
    progress('export ready');
    const wrong = await gql(url, DELETE, { p: 'not-my-password-1' }, bearer(account.accessToken));
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    const deleted = await gql<{ deleteAccount: boolean }>(
      url,
      DELETE,
      { p: GOOD_PASSWORD },
      bearer(account.accessToken),
    );
    expect(deleted.body.data?.deleteAccount).toBe(true);
    progress('deleteAccount answered');

    const signIn = await gql(url, LOGIN, { input: { email, password: GOOD_PASSWORD } });
    expect(errorCode(signIn)).toBe('UNAUTHENTICATED');
    progress('sign-in refused');
    const oldToken = await gql(url, '{ me { id } }', {}, bearer(account.accessToken));
    expect(oldToken.body.data?.me ?? null).toBeNull();
    progress('old token refused');
    const refresh = await gql(url, `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, {
      t: account.refreshToken,
    });
    expect(refresh.body.errors).toBeDefined();

    progress('deleted');
    // Every subgraph confirms; with ERASURE_GRACE_DAYS=0 the sweeper then removes the row.
    await eventually(async () => {
      const rows = await execSql<{ hard_deleted_at: string | null }>(
        stack,
        'users',
        'select hard_deleted_at from erasure_requests where user_id = ?',
        [account.id],
      );
      return rows[0]?.hard_deleted_at ? true : undefined;
    }, 100_000);
    expect(await execSql(stack, 'users', 'select 1 from users where id = ?', [account.id])).toEqual([]);
    const audit = await gql<{ auditLog: { edges: { node: { action: string } }[] } }>(
      url,
      AUDIT,
      { f: { subjectId: account.id } },
      bearer(admin.accessToken),
    );
    const actions = audit.body.data!.auditLog.edges.map((edge) => edge.node.action);
    expect(actions).toEqual(expect.arrayContaining(['privacy.erasure_requested', 'privacy.erasure_completed']));
    progress('erasure audited');

    const leaks = (await everyText(stack)).filter(({ value }) =>
      [email, displayName, 'Zephyrine', 'Quillfeather', companionName].some((needle) => value.includes(needle)),
    );
    expect(leaks).toEqual([]);
    // The moderation case about the message is still there, without its text.
    expect(
      await execSql(
        stack,
        'moderation',
        `select 1 from moderation_cases where author_id = ? and content_type = 'MESSAGE'`,
        [account.id],
      ),
    ).not.toEqual([]);
  }, 240_000);

  test('content of an erased user that reaches moderation after its erasure opens no case with their text', async () => {
    const account = await register(url);
    const deleted = await gql(url, DELETE, { p: GOOD_PASSWORD }, bearer(account.accessToken));
    expect(deleted.body.errors).toBeUndefined();
    // Moderation has run its part of the erasure (and written the tombstone).
    await eventually(async () => {
      const [row] = await execSql<{ confirmations: Record<string, string> | string }>(
        stack,
        'users',
        'select confirmations from erasure_requests where user_id = ?',
        [account.id],
      );
      const confirmations = typeof row?.confirmations === 'string' ? JSON.parse(row.confirmations) : row?.confirmations;
      return confirmations?.moderation ? true : undefined;
    }, 100_000);

    // A message and a reply of theirs still on their way (another topic, so no order with the erasure).
    const late = [
      event('content.posted', account.id, new Date().toISOString(), {
        kind: 'USER_MESSAGE',
        contentId: randomUUID(),
        conversationId: null,
        text: 'late words of Wendeline Farrowmoor',
      }),
      {
        ...event('content.posted', account.id, new Date().toISOString(), {
          kind: 'COMPANION_REPLY',
          contentId: randomUUID(),
          conversationId: null,
          text: 'a reply quoting Wendeline Farrowmoor',
        }),
        actorId: null,
      },
    ];
    await stack.runtime.bus.publish(
      Topic.content,
      late.map((envelope) => ({ key: account.id, value: JSON.stringify(envelope) })),
    );
    // Intake handled both (recorded as processed) ...
    await eventually(async () => {
      const rows = await execSql(
        stack,
        'moderation',
        'select 1 from processed_events where event_id in (?, ?)',
        late.map((envelope) => envelope.id),
      );
      return rows.length === 2 ? true : undefined;
    }, 100_000);
    // ... and stored nothing of theirs.
    const contentIds = late.map((envelope) => (envelope.payload as { contentId: string }).contentId);
    expect(
      await execSql(stack, 'moderation', 'select 1 from moderation_cases where content_id in (?, ?)', contentIds),
    ).toEqual([]);
    expect(
      await execSql(stack, 'moderation', `select 1 from moderation_cases where content_text like '%Farrowmoor%'`),
    ).toEqual([]);
    const metrics = await (await fetch(new URL('/metrics', stack.subgraphs.moderation!.url))).text();
    const dropped = metrics
      .split('\n')
      .find((line) => line.startsWith('moderation_erased_author_content_dropped_total'));
    expect(Number(dropped?.split(' ').at(-1))).toBeGreaterThanOrEqual(2);
  }, 240_000);

  test('logs of the whole run hold no email, password, token or message text', () => {
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const needle of ['@example.test', GOOD_PASSWORD, 'Bearer ey', 'secret diary', 'Zephyrine', 'Quillfeather']) {
      expect(all).not.toContain(needle);
    }
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });
});
