import { createCompanion, send, startConversation } from '../support/chat.js';
import { bearer, errorCode, gql, GOOD_PASSWORD, register, uniqueEmail, type Account } from '../support/http.js';
import { eventually, promote, REPORT } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { randomUUID } from 'node:crypto';
import { type ExportingSubgraph } from '../../platform/events/export-parts.js';
import { newEnvelope } from '../../platform/events/outbox.js';
import { Topic } from '../../schema/events/contracts.js';
import { ExportLinks } from '../../subgraphs/users/privacy/export-signing.js';

const REQUEST = `mutation { requestDataExport { id status requestedAt readyAt url expiresAt } }`;
const LATEST = `{ dataExport { id status requestedAt readyAt availableUntil url expiresAt } }`;
const TRACK_MANY = `mutation($inputs: [TrackEventInput!]!) { trackEvents(inputs: $inputs) }`;
const AUDIT = `query($f: AuditLogFilter) { auditLog(filter: $f, first: 50) { edges { node { action category actorId subjectId details } } } }`;
/** The local classifier rejects a link pasted three times (spam). */
const FLAGGED_TEXT = 'visit http://win.example/x http://win.example/x http://win.example/x now';
/** Known to the test so that it can sign links itself (an expired one). */
const SIGNING_SECRET = 'data-export-test-signing-secret-0123456789';
/** Small, so that the download cap is reached in a test. */
const MAX_DOWNLOADS = 5;

interface ExportView {
  id: string;
  status: string;
  requestedAt: string;
  readyAt: string | null;
  availableUntil?: string | null;
  url: string | null;
  expiresAt: string | null;
}

interface Archive {
  format: string;
  exportedAt: string;
  userId: string;
  parts: {
    users: {
      profile: { id: string; email: string; displayName: string; status: string };
      sessions: { id: string }[];
      consents: { purpose: string; granted: boolean }[];
      billing: { stripeCustomerId: string | null; subscriptions: unknown[] };
    };
    companions: {
      companions: { id: string; name: string }[];
      conversations: { id: string; companionId: string }[];
      messages: { id: string; conversationId: string; role: string; content: string; status: string }[];
    };
    moderation: {
      cases: { contentId: string; contentType: string; status: string; contentText: string | null }[];
      appeals: unknown[];
      reports: { caseId: string; reason: string; details: string | null }[];
    };
    analytics: { events: { type: string; properties: Record<string, unknown> }[] };
  };
}

describe.each(profiles())('data export ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let origin: string;
  let alice: Account;
  let bob: Account;
  let admin: Account;
  const aliceName = 'Alice Exportwright';
  let aliceCompanion: string;
  let flaggedMessageId: string;
  let firstExport: ExportView;
  let archive: Archive;
  let archiveText: string;

  const latest = async (account: Account) =>
    (await gql<{ dataExport: ExportView | null }>(url, LATEST, {}, bearer(account.accessToken))).body.data?.dataExport;
  const download = (link: string) => fetch(new URL(link, origin));

  beforeAll(async () => {
    // The users subgraph reads its privacy settings when it starts.
    const settings = { EXPORT_SIGNING_SECRET: SIGNING_SECRET, EXPORT_MAX_DOWNLOADS: String(MAX_DOWNLOADS) };
    const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
    Object.assign(process.env, settings);
    try {
      stack = await startTestStack(profile);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    url = stack.gateway.url;
    origin = new URL(url).origin;
    admin = await promote(stack, 'ADMIN');
    [alice, bob] = await Promise.all([
      register(url, { displayName: aliceName }),
      register(url, { email: uniqueEmail('bob'), displayName: 'Bob Otherfield' }),
    ]);

    // Alice: a companion, a conversation with a plain message and one the classifier flags,
    // a report about Bob's profile, and a long analytics history (several chunks).
    aliceCompanion = await createCompanion(url, alice.accessToken, { name: 'Brindlewick' });
    const aliceConversation = await startConversation(url, alice.accessToken, aliceCompanion);
    const plain = await send(url, alice.accessToken, aliceConversation, 'alice-marker: tell me about marmots');
    expect(plain.body.errors).toBeUndefined();
    const flagged = await send(url, alice.accessToken, aliceConversation, FLAGGED_TEXT);
    flaggedMessageId = flagged.body.data!.sendMessage.message.id;
    const reported = await gql(
      url,
      REPORT,
      { input: { contentType: 'USER_PROFILE', contentId: bob.id, reason: 'spam', details: 'alice-report-details' } },
      bearer(alice.accessToken),
    );
    expect(reported.body.errors).toBeUndefined();
    // 100 events of ~4 KB each (four requests: a request body stays under MAX_BODY_BYTES).
    const filler = 'x'.repeat(3_900);
    for (let batch = 0; batch < 4; batch += 1) {
      const tracked = await gql<{ trackEvents: number }>(
        url,
        TRACK_MANY,
        {
          inputs: Array.from({ length: 25 }, (_, index) => ({
            type: 'diary.opened',
            properties: { marker: 'alice-event', index: batch * 25 + index, filler },
          })),
        },
        bearer(alice.accessToken),
      );
      expect(tracked.body).toEqual({ data: { trackEvents: 25 } });
    }

    // Bob: data of his own that must stay out of Alice's archive.
    const bobCompanion = await createCompanion(url, bob.accessToken, { name: 'Bobcompanion' });
    const bobConversation = await startConversation(url, bob.accessToken, bobCompanion);
    await send(url, bob.accessToken, bobConversation, 'bob-marker: my own secrets');
    await gql(
      url,
      TRACK_MANY,
      { inputs: [{ type: 'diary.opened', properties: { marker: 'bob-event' } }] },
      bearer(bob.accessToken),
    );

    // Everything has reached its subgraph before the export is asked for.
    await eventually(async () => {
      const cases = await execSql(stack, 'moderation', 'select 1 from moderation_cases where content_id = ?', [
        flaggedMessageId,
      ]);
      const reports = await execSql(stack, 'moderation', 'select 1 from content_reports where reporter_id = ?', [
        alice.id,
      ]);
      const events = await execSql<{ n: number }>(
        stack,
        'analytics',
        `select count(*)::int as n from analytics_events where user_id in (?, ?) and type = 'diary.opened'`,
        [alice.id, bob.id],
      );
      return cases.length && reports.length && events[0]?.n === 101 ? true : undefined;
    }, 100_000);
  }, 240_000);

  afterAll(async () => {
    await stack?.destroy();
  }, 120_000);

  test('anonymous callers are refused; before any request dataExport is null', async () => {
    expect(errorCode(await gql(url, REQUEST))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(url, LATEST))).toBe('UNAUTHENTICATED');
    expect(await latest(alice)).toBeNull();
  });

  test('requestDataExport becomes READY within 30 s with every part of the user and nobody else', async () => {
    const started = Date.now();
    const requested = await gql<{ requestDataExport: ExportView }>(url, REQUEST, {}, bearer(alice.accessToken));
    expect(requested.body.errors).toBeUndefined();
    expect(requested.body.data!.requestDataExport).toMatchObject({ status: 'PENDING', url: null, expiresAt: null });
    firstExport = await eventually(async () => {
      const view = await latest(alice);
      return view?.status === 'READY' ? view : undefined;
    }, 30_000);
    process.stderr.write(`data export (${profile.name}): READY after ${Date.now() - started} ms\n`);
    expect(firstExport.id).toBe(requested.body.data!.requestDataExport.id);
    expect(firstExport.url).toMatch(/^\/exports\/[0-9a-f-]{36}\?expires=\d+&signature=[0-9a-f]{64}$/);
    const linkLife = Date.parse(firstExport.expiresAt!) - Date.now();
    expect(linkLife).toBeGreaterThan(14 * 60_000);
    expect(linkLife).toBeLessThanOrEqual(15 * 60_000);
    expect(Date.parse(firstExport.availableUntil!) - Date.parse(firstExport.readyAt!)).toBe(7 * 86_400_000);

    // Through the gateway's public port, like a browser following the link.
    const response = await download(firstExport.url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="nexusai-data-export-${firstExport.id}.json"`,
    );
    archiveText = await response.text();
    archive = JSON.parse(archiveText) as Archive;
    expect(archive).toMatchObject({ format: 'nexusai-data-export/1', userId: alice.id });
    expect(Object.keys(archive.parts)).toEqual(['users', 'companions', 'moderation', 'analytics']);

    const { users, companions, moderation, analytics } = archive.parts;
    expect(users.profile).toMatchObject({ id: alice.id, email: alice.email, displayName: aliceName });
    expect(users.sessions.length).toBeGreaterThanOrEqual(1);
    expect(users.consents).toContainEqual(expect.objectContaining({ purpose: 'ANALYTICS', granted: true }));
    expect(users.billing).toEqual({ stripeCustomerId: null, subscriptions: [] });

    expect(companions.companions).toEqual([expect.objectContaining({ id: aliceCompanion, name: 'Brindlewick' })]);
    expect(companions.conversations).toHaveLength(1);
    expect(companions.messages).toContainEqual(
      expect.objectContaining({ role: 'USER', content: 'alice-marker: tell me about marmots' }),
    );
    expect(companions.messages.filter((message) => message.role === 'ASSISTANT').length).toBeGreaterThanOrEqual(1);

    expect(moderation.cases).toContainEqual(
      expect.objectContaining({ contentId: flaggedMessageId, contentType: 'MESSAGE', contentText: FLAGGED_TEXT }),
    );
    expect(moderation.reports).toEqual([expect.objectContaining({ reason: 'spam', details: 'alice-report-details' })]);

    const diary = analytics.events.filter((event) => event.type === 'diary.opened');
    expect(diary).toHaveLength(100);
    expect(diary.every((event) => event.properties.marker === 'alice-event')).toBe(true);
    // A history this long travelled in several chunks.
    expect(archiveText.length).toBeGreaterThan(400_000);

    for (const other of [bob.id, bob.email, 'Bob Otherfield', 'Bobcompanion', 'bob-marker', 'bob-event']) {
      expect(archiveText).not.toContain(other);
    }
  }, 60_000);

  test('every read signs a fresh link; tampered, foreign and expired links are refused without data', async () => {
    const again = await latest(alice);
    expect(again!.url).not.toBeNull();
    const link = new URL(again!.url!, origin);
    const good = await download(link.toString());
    expect(good.status).toBe(200);
    await good.arrayBuffer();

    const expectRefused = async (target: URL | string, status: number, reason: string) => {
      const response = await download(target.toString());
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await response.text();
      expect(JSON.parse(text).errors[0].extensions.reason).toBe(reason);
      expect(text).not.toContain('alice');
    };
    const tampered = new URL(link);
    const signature = tampered.searchParams.get('signature')!;
    tampered.searchParams.set('signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    await expectRefused(tampered, 403, 'BAD_SIGNATURE');
    const longer = new URL(link);
    longer.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 86_400));
    await expectRefused(longer, 403, 'BAD_SIGNATURE');
    const unsigned = new URL(link);
    unsigned.searchParams.delete('signature');
    await expectRefused(unsigned, 403, 'BAD_SIGNATURE');

    const links = new ExportLinks(SIGNING_SECRET);
    await expectRefused(links.path(firstExport.id, new Date(Date.now() - 1_000)), 410, 'LINK_EXPIRED');
    // A link signed for another id does not open this one.
    const foreign = links.path('00000000-0000-7000-8000-000000000000', new Date(Date.now() + 60_000));
    await expectRefused(foreign.replace('00000000-0000-7000-8000-000000000000', firstExport.id), 403, 'BAD_SIGNATURE');
    await expectRefused(foreign, 404, 'NOT_FOUND');
  });

  test('a second request the same day is RATE_LIMITED with retryAt; another user sees only their own', async () => {
    const second = await gql(url, REQUEST, {}, bearer(alice.accessToken));
    expect(errorCode(second)).toBe('RATE_LIMITED');
    expect(second.body.errors![0]!.extensions!.retryAt).toBe(
      new Date(Date.parse(firstExport.requestedAt) + 86_400_000).toISOString(),
    );
    expect((await latest(alice))!.id).toBe(firstExport.id);

    expect(await latest(bob)).toBeNull();
    const bobs = await gql<{ requestDataExport: ExportView }>(url, REQUEST, {}, bearer(bob.accessToken));
    expect(bobs.body.data!.requestDataExport.id).not.toBe(firstExport.id);
    expect((await latest(bob))!.id).toBe(bobs.body.data!.requestDataExport.id);
  });

  test('requests and downloads are in the audit log', async () => {
    const audit = await gql<{ auditLog: { edges: { node: Record<string, unknown> }[] } }>(
      url,
      AUDIT,
      { f: { subjectId: alice.id } },
      bearer(admin.accessToken),
    );
    const entries = audit.body.data!.auditLog.edges.map((edge) => edge.node);
    expect(entries).toContainEqual({
      action: 'privacy.export_requested',
      category: 'SECURITY',
      actorId: alice.id,
      subjectId: alice.id,
      details: { exportId: firstExport.id },
    });
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'privacy.export_downloaded', details: { exportId: firstExport.id } }),
    );
  });

  test('an export downloaded EXPORT_MAX_DOWNLOADS times refuses further downloads, even in parallel', async () => {
    const auditedDownloads = async () =>
      (
        await execSql<{ n: number }>(
          stack,
          'users',
          `select count(*)::int as n from audit_log where action = 'privacy.export_downloaded' and subject_id = ?`,
          [alice.id],
        )
      )[0]!.n;
    await execSql(stack, 'users', 'update data_exports set downloads = 0 where id = ?', [firstExport.id]);
    const before = await auditedDownloads();
    const link = (await latest(alice))!.url!;
    const head = await fetch(new URL(link, origin), { method: 'HEAD' });
    expect(head.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: MAX_DOWNLOADS + 3 }, async () => {
        const response = await download(link);
        const text = await response.text();
        return { status: response.status, text };
      }),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(MAX_DOWNLOADS);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused).toHaveLength(3);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(JSON.parse(answer.text).errors[0].extensions).toEqual({ code: 'RATE_LIMITED', reason: 'DOWNLOAD_LIMIT' });
      expect(answer.text).not.toContain('alice');
    }
    // A HEAD is not a download; each of the downloads that passed is audited, the refused ones are not.
    expect((await auditedDownloads()) - before).toBe(MAX_DOWNLOADS);
  });

  test('after its retention the archive is deleted: EXPIRED, no link, old links refused', async () => {
    const link = (await latest(alice))!.url!;
    await execSql(
      stack,
      'users',
      `update data_exports set available_until = now() - interval '1 second' where id = ?`,
      [firstExport.id],
    );
    const expired = await eventually(async () => {
      const view = await latest(alice);
      return view?.status === 'EXPIRED' ? view : undefined;
    }, 30_000);
    expect(expired).toMatchObject({ url: null, expiresAt: null });
    const response = await download(link);
    expect(response.status).toBe(410);
    expect(JSON.parse(await response.text()).errors[0].extensions.reason).toBe('EXPORT_EXPIRED');
    expect(
      await execSql(stack, 'users', 'select 1 from data_exports where id = ? and archive is not null', [
        firstExport.id,
      ]),
    ).toEqual([]);
  }, 60_000);

  test('chunks of two readings of a part are never joined: a new reading replaces the one kept', async () => {
    // An export no subgraph was asked for (inserted as an operator would), so that only the
    // chunks published here arrive: as after a redelivered request whose data changed meanwhile.
    const carol = await register(url);
    const exportId = '0193b000-0000-7000-8000-00000000c001';
    await execSql(
      stack,
      'users',
      `insert into data_exports (id, user_id, requested_at, status) values (?, ?, now(), 'PENDING')`,
      [exportId, carol.id],
    );
    const publish = (subgraph: ExportingSubgraph, readingId: string, chunk: number, chunks: number, data: string) =>
      stack.runtime.bus.publish(Topic.userLifecycle, [
        {
          key: carol.id,
          value: JSON.stringify(
            newEnvelope('user.export_part', {
              userId: carol.id,
              actorId: null,
              payload: { exportId, readingId, subgraph, chunk, chunks, data },
            }),
          ),
        },
      ]);
    const [first, second] = [randomUUID(), randomUUID()];
    for (const subgraph of ['users', 'moderation', 'analytics'] as const)
      await publish(subgraph, randomUUID(), 0, 1, '{}');
    await publish('companions', first, 0, 2, '{"reading":');
    await publish('companions', second, 0, 2, '{"reading":');
    await publish('companions', first, 1, 2, '"first"}');
    await publish('companions', second, 1, 2, '"second"}');
    const ready = await eventually(async () => {
      const view = (await gql<{ dataExport: ExportView | null }>(url, LATEST, {}, bearer(carol.accessToken))).body.data
        ?.dataExport;
      return view?.status === 'READY' ? view : undefined;
    }, 30_000);
    expect(ready.id).toBe(exportId);
    const response = await download(ready.url!);
    expect(((await response.json()) as { parts: unknown }).parts).toEqual({
      users: {},
      companions: { reading: 'second' },
      moderation: {},
      analytics: {},
    });
  });

  test('a suspended user, on a restricted session, may export their data too', async () => {
    const moderator = await promote(stack, 'MODERATOR');
    const email = uniqueEmail('suspended');
    const target = await register(url, { email });
    const suspended = await gql(
      url,
      `mutation($id: ID!) { setUserStatus(userId: $id, status: SUSPENDED, reason: "spam") { status } }`,
      { id: target.id },
      bearer(moderator.accessToken),
    );
    expect(suspended.body.errors).toBeUndefined();
    const login = await gql<{ login: { accessToken: string; restricted: boolean } }>(
      url,
      'mutation($input: LoginInput!) { login(input: $input) { accessToken restricted } }',
      { input: { email, password: GOOD_PASSWORD } },
    );
    expect(login.body.data!.login.restricted).toBe(true);
    const restricted = bearer(login.body.data!.login.accessToken);
    const requested = await gql<{ requestDataExport: ExportView }>(url, REQUEST, {}, restricted);
    expect(requested.body.data?.requestDataExport.status).toBe('PENDING');
    const ready = await eventually(async () => {
      const view = (await gql<{ dataExport: ExportView | null }>(url, LATEST, {}, restricted)).body.data?.dataExport;
      return view?.status === 'READY' ? view : undefined;
    }, 30_000);
    const response = await download(ready.url!);
    expect(response.status).toBe(200);
    const own = (await response.json()) as Archive;
    expect(own.parts.users.profile).toMatchObject({ id: target.id, email, status: 'SUSPENDED' });
  }, 60_000);

  test('deleteAccount deletes the user’s exports and their parts', async () => {
    const bobExport = (await latest(bob))!.id;
    const deleted = await gql<{ deleteAccount: boolean }>(
      url,
      `mutation($p: String!) { deleteAccount(password: $p) }`,
      { p: GOOD_PASSWORD },
      bearer(bob.accessToken),
    );
    expect(deleted.body.data?.deleteAccount).toBe(true);
    expect(await execSql(stack, 'users', 'select 1 from data_exports where user_id = ?', [bob.id])).toEqual([]);
    expect(await execSql(stack, 'users', 'select 1 from data_export_parts where export_id = ?', [bobExport])).toEqual(
      [],
    );
  });
});
