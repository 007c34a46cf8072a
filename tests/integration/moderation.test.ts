import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { Topic, type EventEnvelope } from '../../schema/events/contracts.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import {
  bearer,
  errorCode,
  gql,
  GOOD_PASSWORD,
  LOGIN,
  register,
  type Account,
  type GraphQLResponse,
} from '../support/http.js';
import {
  APPEAL,
  APPROVE,
  CLAIM,
  eventually,
  listen,
  MODERATE,
  NOTE,
  promote,
  QUEUE,
  REJECT,
  REPORT,
  RESOLVE,
  type CaseView,
} from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { collect } from '../support/ws.js';

/** Short enough to watch a lease lapse and a window close within a test. */
const APPEAL_WINDOW_SECONDS = 8;
const MODERATION_ENV = {
  MODERATION_CLAIM_LEASE_SECONDS: '2',
  MODERATION_APPEAL_WINDOW_DAYS: String(APPEAL_WINDOW_SECONDS / 86_400),
};

const reasonOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.reason;

/** What the local classifier does with these: a link pasted three times is spam it rejects; two swear words go to a human. */
const REJECTED_TEXT = 'visit http://win.example/x http://win.example/x http://win.example/x now';
const REVIEW_TEXT = 'what the fuck is this shit';

describe.each(profiles())('moderation ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;
  let mod1: Account;
  let mod2: Account;
  let admin: Account;
  let author: Account;
  let decisions: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    // The subgraph reads MODERATION_* itself (settings.ts) when its services are created.
    const saved = { ...process.env };
    Object.assign(process.env, MODERATION_ENV);
    try {
      stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '1000' });
    } finally {
      for (const key of Object.keys(MODERATION_ENV)) process.env[key] = saved[key];
    }
    url = stack.gateway.url;
    decisions = await listen(stack, Topic.moderationDecisions);
    [mod1, mod2, admin, author] = await Promise.all([
      promote(stack, 'MODERATOR'),
      promote(stack, 'MODERATOR'),
      promote(stack, 'ADMIN'),
      register(url),
    ]);
    // Each registration's display name becomes a case (content.posted, USER_PROFILE): let those land
    // before the stats test counts cases.
    for (const account of [mod1, mod2, admin, author]) {
      await eventually(async () => {
        const response = await gql<{ user: { moderationHistory: { edges: unknown[] } } }>(
          url,
          'query($id: ID!) { user(id: $id) { moderationHistory(first: 1) { edges { cursor } } } }',
          { id: account.id },
          bearer(admin.accessToken),
        );
        return response.body.data?.user.moderationHistory.edges.length ? true : null;
      });
    }
  }, 120_000);
  afterAll(async () => {
    await decisions?.close();
    await stack?.destroy();
  });

  async function moderate(token: string, input: Record<string, unknown>): Promise<CaseView> {
    const response = await gql<{ moderateContent: CaseView }>(
      url,
      MODERATE,
      { input: { contentType: 'MESSAGE', contentId: randomUUID(), authorId: author.id, ...input } },
      bearer(token),
    );
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return response.body.data.moderateContent;
  }
  /**
   * The users subgraph enforces sanctions on the author (docs/sanctions.md): once the account
   * reaches `status`, sign in again (a restricted session while suspended or banned).
   */
  async function signInWhen(account: Account, status: string): Promise<Account> {
    await eventually(async () => {
      const response = await gql<{ user: { status: string } }>(
        url,
        'query($id: ID!) { user(id: $id) { status } }',
        { id: account.id },
        bearer(admin.accessToken),
      );
      return response.body.data?.user.status === status ? true : null;
    });
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email: account.email, password: GOOD_PASSWORD },
    });
    return { ...account, accessToken: login.body.data!.login.accessToken };
  }
  const pending = (input: Record<string, unknown> = {}) => moderate(mod1.accessToken, { text: REVIEW_TEXT, ...input });
  const decidedEvent = (caseId: string, appeal = false) =>
    eventually(() =>
      decisions.received.find(
        (event): event is EventEnvelope<'moderation.decided'> =>
          event.type === 'moderation.decided' && event.payload.caseId === caseId && event.payload.appeal === appeal,
      ),
    );

  // First, while only its own cases exist: the figures are exact.
  test('stats: counts, rates, queue depth and appeal overturns for a known set of cases', async () => {
    const from = new Date();
    await moderate(mod1.accessToken, { text: 'hello one' }); // auto-approved
    await moderate(mod1.accessToken, { contentType: 'COMPANION', text: 'hello two' }); // auto-approved
    await moderate(mod1.accessToken, { text: REJECTED_TEXT }); // auto-rejected
    const warned = await pending();
    await gql(url, REJECT, { id: warned.id, input: { action: 'WARN_USER', reason: 'rude' } }, bearer(mod1.accessToken));
    await gql(url, APPEAL, { id: warned.id, reason: 'It was a joke' }, bearer(author.accessToken));
    await gql(url, RESOLVE, { id: warned.id, upheld: false }, bearer(mod2.accessToken)); // overturned
    const image = await pending({ contentType: 'IMAGE', text: REVIEW_TEXT });
    await gql(url, APPROVE, { id: image.id }, bearer(mod2.accessToken));
    await pending({ contentType: 'USER_PROFILE', text: REVIEW_TEXT }); // stays in the queue
    const to = new Date(Date.now() + 1);

    const response = await gql<{ moderationStats: Record<string, unknown> }>(
      url,
      `query($from: DateTime, $to: DateTime) { moderationStats(from: $from, to: $to) {
        total decided byStatus { key count } byContentType { key count } byAction { key count } byClassifier { key count }
        autoApproveRate autoRejectRate humanRate medianSecondsToDecision p95SecondsToDecision
        queueDepth oldestPendingAgeSeconds appealsResolved appealOverturnRate } }`,
      { from: from.toISOString(), to: to.toISOString() },
      bearer(admin.accessToken),
    );
    const stats = response.body.data!.moderationStats;
    expect(stats).toMatchObject({
      total: 6,
      decided: 5,
      byStatus: [
        { key: 'APPROVED', count: 4 },
        { key: 'PENDING', count: 1 },
        { key: 'REJECTED', count: 1 },
      ],
      byContentType: [
        { key: 'COMPANION', count: 1 },
        { key: 'IMAGE', count: 1 },
        { key: 'MESSAGE', count: 3 },
        { key: 'USER_PROFILE', count: 1 },
      ],
      byAction: [
        { key: 'DELETE_CONTENT', count: 1 },
        { key: 'NONE', count: 4 },
      ],
      byClassifier: [{ key: 'local', count: 6 }],
      autoApproveRate: 0.4,
      autoRejectRate: 0.2,
      humanRate: 0.4,
      queueDepth: 1,
      appealsResolved: 1,
      appealOverturnRate: 1,
    });
    expect(stats.medianSecondsToDecision as number).toBeGreaterThan(0);
    expect(stats.p95SecondsToDecision as number).toBeGreaterThanOrEqual(stats.medianSecondsToDecision as number);
    expect(stats.oldestPendingAgeSeconds as number).toBeGreaterThanOrEqual(0);
    expect(errorCode(await gql(url, '{ moderationStats { total } }', {}, bearer(author.accessToken)))).toBe(
      'FORBIDDEN',
    );
  });

  test('sent messages become cases through the outbox and the bus, one outcome per threshold band', async () => {
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const sent: Record<string, string> = {};
    for (const text of ['Tell me about Saturn', REJECTED_TEXT, REVIEW_TEXT]) {
      const response = await send(url, author.accessToken, conversation, text);
      sent[text] = response.body.data!.sendMessage.message.id;
      // One reply at a time per conversation: wait for this one before sending the next.
      await eventually(async () => {
        const check = await gql<{ conversation: { messages: { edges: { node: { status: string } }[] } } }>(
          url,
          'query($id: ID!) { conversation(id: $id) { messages(first: 100) { edges { node { status } } } } }',
          { id: conversation },
          bearer(author.accessToken),
        );
        const statuses = check.body.data!.conversation.messages.edges.map((edge) => edge.node.status);
        return statuses.includes('STREAMING') ? undefined : true;
      });
    }
    // The author reads the case of their own message through Message.moderation (federated).
    const caseOf = async (messageId: string) => {
      const response = await gql<{
        conversation: {
          messages: { edges: { node: { id: string; moderation: { id: string; status: string; action: string } } }[] };
        };
      }>(
        url,
        'query($id: ID!) { conversation(id: $id) { messages(first: 100) { edges { node { id moderation { id status action automatic } } } } } }',
        { id: conversation },
        bearer(author.accessToken),
      );
      return response.body.data!.conversation.messages.edges.find((edge) => edge.node.id === messageId)?.node
        .moderation;
    };
    // The companion's profile went through moderation too; its owner reads Companion.moderation.
    const profileCase = await eventually(async () => {
      const response = await gql<{ companion: { moderation: { status: string; contentType: string } | null } }>(
        url,
        'query($id: ID!) { companion(id: $id) { moderation { status contentType } } }',
        { id: companion },
        bearer(author.accessToken),
      );
      return response.body.data?.companion.moderation;
    });
    expect(profileCase).toEqual({ status: 'APPROVED', contentType: 'COMPANION' });
    const approved = await eventually(() => caseOf(sent['Tell me about Saturn']!));
    expect(approved).toMatchObject({ status: 'APPROVED', action: 'NONE', automatic: true });
    const rejected = await eventually(() => caseOf(sent[REJECTED_TEXT]!));
    expect(rejected).toMatchObject({ status: 'REJECTED', action: 'DELETE_CONTENT', automatic: true });
    const queued = await eventually(() => caseOf(sent[REVIEW_TEXT]!));
    expect(queued).toMatchObject({ status: 'PENDING', action: null, automatic: false });

    const event = await decidedEvent(rejected.id);
    expect(event.userId).toBe(author.id);
    expect(event.payload).toMatchObject({
      contentType: 'MESSAGE',
      contentId: sent[REJECTED_TEXT],
      authorId: author.id,
      status: 'REJECTED',
      action: 'DELETE_CONTENT',
      automatic: true,
      decidedBy: null,
      suspendUntil: null,
    });
    // The queue shows the pending one to staff, with the classified text.
    const queue = await gql<{ moderationQueue: { edges: { node: { contentId: string } }[] } }>(
      url,
      QUEUE,
      { first: 100 },
      bearer(mod1.accessToken),
    );
    expect(queue.body.data!.moderationQueue.edges.map((edge) => edge.node.contentId)).toContain(sent[REVIEW_TEXT]);
    const staffView = await gql<{ moderationCase: { contentText: string; provider: string } }>(
      url,
      'query($id: ID!) { moderationCase(id: $id) { contentText provider } }',
      { id: queued.id },
      bearer(mod1.accessToken),
    );
    expect(staffView.body.data!.moderationCase).toEqual({ contentText: REVIEW_TEXT, provider: 'local' });
    // The author sees the outcome but not the deliberation; anyone else sees nothing.
    const authorView = await gql(
      url,
      'query($id: ID!) { moderationCase(id: $id) { contentText } }',
      { id: queued.id },
      bearer(author.accessToken),
    );
    expect(errorCode(authorView)).toBe('FORBIDDEN');
    const stranger = await register(url);
    const strangerView = await gql(
      url,
      'query($id: ID!) { moderationCase(id: $id) { status } }',
      { id: queued.id },
      bearer(stranger.accessToken),
    );
    expect(errorCode(strangerView)).toBe('NOT_FOUND');
  });

  test('the same content event delivered twice makes one case', async () => {
    const contentId = uuidv7();
    const event = {
      id: uuidv7(),
      type: 'content.posted',
      occurredAt: new Date().toISOString(),
      actorId: author.id,
      userId: author.id,
      payload: { kind: 'USER_MESSAGE', contentId, conversationId: null, text: REVIEW_TEXT },
    };
    const record = { key: author.id, value: JSON.stringify(event) };
    await stack.runtime.bus.publish(Topic.content, [record]);
    await stack.runtime.bus.publish(Topic.content, [record]);
    // A later event on the same key (same partition, so processed after both copies) marks the end.
    const marker = uuidv7();
    await stack.runtime.bus.publish(Topic.content, [
      {
        key: author.id,
        value: JSON.stringify({ ...event, id: uuidv7(), payload: { ...event.payload, contentId: marker } }),
      },
    ]);
    await eventually(async () => {
      const rows = await execSql(stack, 'moderation', 'select id from moderation_cases where content_id = ?', [marker]);
      return rows.length ? true : undefined;
    });
    const cases = await execSql<{ id: string }>(
      stack,
      'moderation',
      'select id from moderation_cases where content_id = ?',
      [contentId],
    );
    expect(cases).toHaveLength(1);
    const history = await execSql<{ kind: string }>(
      stack,
      'moderation',
      'select kind from case_events where case_id = ? order by id',
      [cases[0]!.id],
    );
    expect(history.map((row) => row.kind)).toEqual(['CREATED', 'QUEUED']);
  });

  test('one batch of new content, revisions and a duplicate: the right cases, one decision event per decision', async () => {
    const posted = (contentId: string, text: string, id = uuidv7()) => ({
      key: author.id,
      value: JSON.stringify({
        id,
        type: 'content.posted',
        occurredAt: new Date().toISOString(),
        actorId: author.id,
        userId: author.id,
        payload: { kind: 'USER_MESSAGE', contentId, conversationId: null, text },
      }),
    });
    const casesOf = (contentId: string) =>
      execSql<{ id: string; status: string; content_text: string; automatic: boolean; first_decision: string }>(
        stack,
        'moderation',
        'select id, status, content_text, automatic, first_decision from moderation_cases where content_id = ?',
        [contentId],
      );
    const [earlier, fresh, rejected, twice] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await stack.runtime.bus.publish(Topic.content, [posted(earlier, 'An ordinary first version')]);
    const [before] = await eventually(async () => ((await casesOf(earlier)).length ? casesOf(earlier) : undefined));
    expect(before).toMatchObject({ status: 'APPROVED', first_decision: 'AUTO_APPROVE' });

    // One publish on one key: one partition, handed to the consumer as one batch.
    const duplicateId = uuidv7();
    await stack.runtime.bus.publish(Topic.content, [
      posted(fresh, 'Tell me about Jupiter', duplicateId),
      posted(earlier, REJECTED_TEXT),
      posted(rejected, REJECTED_TEXT),
      posted(fresh, 'Tell me about Jupiter', duplicateId),
      posted(twice, 'A first draft'),
      posted(twice, REVIEW_TEXT),
    ]);
    const decidedOn = (caseId: string) =>
      decisions.received.filter(
        (event): event is EventEnvelope<'moderation.decided'> =>
          event.type === 'moderation.decided' && event.payload.caseId === caseId,
      );
    // The last event of the batch applied: so was every one before it (one partition, in order).
    const [twiceCase] = await eventually(async () => {
      const found = await casesOf(twice);
      return found[0]?.status === 'PENDING' ? found : undefined;
    });
    const [freshCase] = await casesOf(fresh);
    const [revised] = await casesOf(earlier);
    const [rejectedCase] = await casesOf(rejected);
    expect(await casesOf(fresh)).toHaveLength(1);
    expect(freshCase).toMatchObject({ status: 'APPROVED', automatic: true, first_decision: 'AUTO_APPROVE' });
    expect(revised).toMatchObject({ id: before!.id, status: 'REJECTED', content_text: REJECTED_TEXT });
    expect(revised!.first_decision).toBe('AUTO_APPROVE');
    expect(rejectedCase).toMatchObject({ status: 'REJECTED', automatic: true, first_decision: 'AUTO_REJECT' });
    // Created and revised in the same batch: one case holding the last version, waiting for a human.
    expect(twiceCase).toMatchObject({ status: 'PENDING', content_text: REVIEW_TEXT, first_decision: 'AUTO_APPROVE' });

    const historyOf = async (caseId: string) =>
      (
        await execSql<{ kind: string }>(
          stack,
          'moderation',
          'select kind from case_events where case_id = ? order by id',
          [caseId],
        )
      ).map((row) => row.kind);
    expect(await historyOf(freshCase!.id)).toEqual(['CREATED', 'AUTO_APPROVED']);
    expect(await historyOf(revised!.id)).toEqual(['CREATED', 'AUTO_APPROVED', 'REVISED', 'AUTO_REJECTED']);
    expect(await historyOf(rejectedCase!.id)).toEqual(['CREATED', 'AUTO_REJECTED']);
    expect(await historyOf(twiceCase!.id)).toEqual(['CREATED', 'AUTO_APPROVED', 'REVISED', 'QUEUED']);

    // Every decision went out once, in order, with the case as stored.
    await eventually(() => (decidedOn(revised!.id).length === 2 && decidedOn(twiceCase!.id).length ? true : null));
    await eventually(() => (decidedOn(freshCase!.id).length && decidedOn(rejectedCase!.id).length ? true : null));
    expect(decidedOn(freshCase!.id).map((event) => event.payload.status)).toEqual(['APPROVED']);
    expect(decidedOn(rejectedCase!.id)[0]!.payload).toMatchObject({
      contentId: rejected,
      authorId: author.id,
      status: 'REJECTED',
      action: 'DELETE_CONTENT',
      automatic: true,
    });
    expect(decidedOn(revised!.id).map((event) => event.payload.status)).toEqual(['APPROVED', 'REJECTED']);
    expect(decidedOn(twiceCase!.id).map((event) => event.payload.status)).toEqual(['APPROVED']);
    const ids = [freshCase, revised, rejectedCase, twiceCase].flatMap((c) => decidedOn(c!.id).map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    const unpublished = await execSql<{ n: number }>(
      stack,
      'moderation',
      "select count(*)::int as n from outbox where published_at is null and event->'payload'->>'caseId' in (?, ?, ?, ?)",
      [freshCase!.id, revised!.id, rejectedCase!.id, twiceCase!.id],
    );
    expect(unpublished[0]!.n).toBe(0);
  });

  test('claims: a lease blocks other moderators until it lapses', async () => {
    const c = await pending();
    const claimed = await gql<{ claimCase: { claimedBy: { id: string } } }>(
      url,
      CLAIM,
      { id: c.id },
      bearer(mod1.accessToken),
    );
    expect(claimed.body.data!.claimCase.claimedBy).toEqual({ id: mod1.id });
    const stolen = await gql(url, CLAIM, { id: c.id }, bearer(mod2.accessToken));
    expect(errorCode(stolen)).toBe('BAD_USER_INPUT');
    expect(reasonOf(stolen)).toBe('CASE_CLAIMED');
    expect(reasonOf(await gql(url, APPROVE, { id: c.id }, bearer(mod2.accessToken)))).toBe('CASE_CLAIMED');
    // The lease (2 s here) lapses: the second moderator may claim it, and then holds it.
    await eventually(async () => {
      const retry = await gql(url, CLAIM, { id: c.id }, bearer(mod2.accessToken));
      return retry.body.data ? true : undefined;
    }, 20_000);
    expect(reasonOf(await gql(url, APPROVE, { id: c.id }, bearer(mod1.accessToken)))).toBe('CASE_CLAIMED');
    const approved = await gql<{ approveContent: CaseView }>(url, APPROVE, { id: c.id }, bearer(mod2.accessToken));
    expect(approved.body.data!.approveContent).toMatchObject({ status: 'APPROVED', decidedBy: { id: mod2.id } });
    expect(approved.body.data!.approveContent.history.map((h) => h.kind)).toEqual([
      'CREATED',
      'QUEUED',
      'CLAIMED',
      'CLAIMED',
      'APPROVED',
    ]);
  });

  test('approve and reject record each action and publish it on moderation-decisions', async () => {
    const approved = await pending();
    const approve = await gql<{ approveContent: CaseView }>(
      url,
      APPROVE,
      { id: approved.id, note: 'fine in context' },
      bearer(mod1.accessToken),
    );
    expect(approve.body.data!.approveContent).toMatchObject({
      status: 'APPROVED',
      action: 'NONE',
      automatic: false,
      notes: [{ text: 'fine in context', author: { id: mod1.id } }],
    });
    expect((await decidedEvent(approved.id)).payload).toMatchObject({
      status: 'APPROVED',
      action: 'NONE',
      decidedBy: mod1.id,
    });

    for (const action of ['DELETE_CONTENT', 'WARN_USER', 'SUSPEND_USER', 'BAN_USER', 'REPORT_TO_AUTHORITIES']) {
      const c = await pending();
      const input = { action, reason: `because ${action}`, ...(action === 'SUSPEND_USER' ? { suspendDays: 0.5 } : {}) };
      const before = Date.now();
      const response = await gql<{ rejectContent: CaseView }>(
        url,
        REJECT,
        { id: c.id, input },
        bearer(mod1.accessToken),
      );
      const decided = response.body.data!.rejectContent;
      expect(decided).toMatchObject({
        status: 'REJECTED',
        action,
        reason: `because ${action}`,
        decidedBy: { id: mod1.id },
      });
      const event = await decidedEvent(c.id);
      expect(event.payload).toMatchObject({
        status: 'REJECTED',
        action,
        authorId: author.id,
        contentId: c.contentId,
        automatic: false,
        decidedBy: mod1.id,
        reason: `because ${action}`,
      });
      if (action === 'SUSPEND_USER') {
        const until = Date.parse(event.payload.suspendUntil!);
        expect(until).toBeGreaterThanOrEqual(before + 43_200_000 - 1000);
        expect(until).toBeLessThanOrEqual(Date.now() + 43_200_000 + 1000);
        expect(decided.suspendUntil).toBe(event.payload.suspendUntil);
      } else {
        expect(event.payload.suspendUntil).toBeNull();
      }
      if (action === 'REPORT_TO_AUTHORITIES') {
        const EVIDENCE =
          'query($id: ID!) { moderationEvidence(caseId: $id) { caseId contentText authorId referredBy reports { reason } } }';
        const evidence = await gql(url, EVIDENCE, { id: c.id }, bearer(admin.accessToken));
        expect(evidence.body.data).toEqual({
          moderationEvidence: {
            caseId: c.id,
            contentText: REVIEW_TEXT,
            authorId: author.id,
            referredBy: mod1.id,
            reports: [],
          },
        });
        expect(errorCode(await gql(url, EVIDENCE, { id: c.id }, bearer(mod1.accessToken)))).toBe('FORBIDDEN');
        // It survives the content's deletion: a copy, not a reference.
        await execSql(stack, 'moderation', 'update moderation_cases set content_text = null where id = ?', [c.id]);
        const kept = await gql<{ moderationEvidence: { contentText: string } }>(
          url,
          EVIDENCE,
          { id: c.id },
          bearer(admin.accessToken),
        );
        expect(kept.body.data!.moderationEvidence.contentText).toBe(REVIEW_TEXT);
      }
    }
    // The loop suspended and banned the author: reinstate them by hand for the rest of the suite.
    author = await signInWhen(author, 'BANNED');
    await gql(
      url,
      'mutation($id: ID!) { setUserStatus(userId: $id, status: ACTIVE) { id } }',
      { id: author.id },
      bearer(admin.accessToken),
    );
    author = await signInWhen(author, 'ACTIVE');
    // The warned user sees their warning; nobody else does.
    const warnings = await gql<{ me: { warnings: { reason: string }[] } }>(
      url,
      '{ me { warnings { reason contentType } } }',
      {},
      bearer(author.accessToken),
    );
    expect(warnings.body.data!.me.warnings).toEqual(
      expect.arrayContaining([{ reason: 'because WARN_USER', contentType: 'MESSAGE' }]),
    );
    const stranger = await register(url);
    expect(
      errorCode(
        await gql(
          url,
          'query($id: ID!) { user(id: $id) { warnings { reason } } }',
          { id: author.id },
          bearer(stranger.accessToken),
        ),
      ),
    ).toBe('FORBIDDEN');
    const history = await gql<{ user: { moderationHistory: { edges: unknown[] } } }>(
      url,
      'query($id: ID!) { user(id: $id) { moderationHistory(first: 100) { edges { node { id status } } } } }',
      { id: author.id },
      bearer(mod2.accessToken),
    );
    expect(history.body.data!.user.moderationHistory.edges.length).toBeGreaterThanOrEqual(6);
  });

  test('reports: 4 reporters do not escalate, a repeat is not counted, the 5th escalates to the top', async () => {
    const c = await moderate(mod1.accessToken, { text: 'hello there' }); // auto-approved
    expect(c.status).toBe('APPROVED');
    const reporters = await Promise.all(Array.from({ length: 5 }, () => register(url)));
    const report = (account: Account) =>
      gql(
        url,
        REPORT,
        { input: { contentType: 'MESSAGE', contentId: c.contentId, reason: 'spam', details: 'again' } },
        bearer(account.accessToken),
      );
    for (const reporter of reporters.slice(0, 4))
      expect((await report(reporter)).body.data).toEqual({ reportContent: true });
    expect((await report(reporters[0]!)).body.data).toEqual({ reportContent: true }); // a repeat, accepted
    const read = async () =>
      (
        await gql<{ moderationCase: CaseView }>(
          url,
          'query($id: ID!) { moderationCase(id: $id) { status reportCount } }',
          { id: c.id },
          bearer(mod1.accessToken),
        )
      ).body.data!.moderationCase;
    expect(await read()).toEqual({ status: 'APPROVED', reportCount: 4 });
    await report(reporters[4]!);
    expect(await read()).toEqual({ status: 'ESCALATED', reportCount: 5 });
    const queue = await gql<{ moderationQueue: { edges: { node: { id: string } }[] } }>(
      url,
      QUEUE,
      { first: 1 },
      bearer(mod1.accessToken),
    );
    expect(queue.body.data!.moderationQueue.edges[0]!.node.id).toBe(c.id);

    const self = await gql(
      url,
      REPORT,
      { input: { contentType: 'MESSAGE', contentId: c.contentId, reason: 'spam' } },
      bearer(author.accessToken),
    );
    expect(errorCode(self)).toBe('BAD_USER_INPUT');
    expect(reasonOf(self)).toBe('SELF_REPORT');

    // A report on content without a case opens one (source REPORT) for the humans.
    const unknown = randomUUID();
    await report(reporters[0]!).then(() =>
      gql(
        url,
        REPORT,
        { input: { contentType: 'IMAGE', contentId: unknown, reason: 'gore' } },
        bearer(reporters[1]!.accessToken),
      ),
    );
    const opened = await execSql<{ source: string; status: string; report_count: number }>(
      stack,
      'moderation',
      'select source, status, report_count from moderation_cases where content_id = ?',
      [unknown],
    );
    expect(opened).toEqual([{ source: 'REPORT', status: 'PENDING', report_count: 1 }]);
  });

  test('appeals: the author, once, decided by another moderator; an overturn publishes a reversal', async () => {
    const c = await pending();
    await gql(
      url,
      REJECT,
      { id: c.id, input: { action: 'SUSPEND_USER', reason: 'abuse', suspendDays: 1 } },
      bearer(mod1.accessToken),
    );
    author = await signInWhen(author, 'SUSPENDED'); // a restricted session, which may appeal
    const stranger = await register(url);
    expect(reasonOf(await gql(url, APPEAL, { id: c.id, reason: 'not me' }, bearer(stranger.accessToken)))).toBe(
      'NOT_AUTHOR',
    );
    const appeal = await gql<{ appealDecision: { status: string; appeal: { status: string } } }>(
      url,
      APPEAL,
      { id: c.id, reason: 'I was quoting' },
      bearer(author.accessToken),
    );
    expect(appeal.body.data!.appealDecision).toMatchObject({ status: 'APPEALED', appeal: { status: 'PENDING' } });
    const twice = await gql(url, APPEAL, { id: c.id, reason: 'again' }, bearer(author.accessToken));
    expect([errorCode(twice), reasonOf(twice)]).toEqual(['BAD_USER_INPUT', 'APPEAL_ALREADY_FILED']);
    const same = await gql(url, RESOLVE, { id: c.id, upheld: false }, bearer(mod1.accessToken));
    expect([errorCode(same), reasonOf(same)]).toEqual(['FORBIDDEN', 'SAME_MODERATOR']);
    const overturned = await gql<{ resolveAppeal: CaseView }>(
      url,
      RESOLVE,
      { id: c.id, upheld: false, note: 'quote' },
      bearer(mod2.accessToken),
    );
    expect(overturned.body.data!.resolveAppeal).toMatchObject({
      status: 'APPROVED',
      action: 'NONE',
      suspendUntil: null,
      appeal: { status: 'OVERTURNED', resolvedBy: { id: mod2.id } },
    });
    const reversal = await eventually(() =>
      decisions.received.find(
        (event): event is EventEnvelope<'moderation.reversed'> =>
          event.type === 'moderation.reversed' && event.payload.caseId === c.id,
      ),
    );
    expect(reversal.payload).toMatchObject({ reversedAction: 'SUSPEND_USER', authorId: author.id, decidedBy: mod2.id });
    expect(reversal.payload.reversedSuspendUntil).not.toBeNull();
    author = await signInWhen(author, 'ACTIVE'); // the overturn lifted the suspension
    const after = await gql(url, APPEAL, { id: c.id, reason: 'again' }, bearer(author.accessToken));
    expect(reasonOf(after)).toBe('APPEAL_ALREADY_FILED');

    // Upheld: the rejection stands and goes out again, marked as an appeal outcome.
    const upheldCase = await pending();
    await gql(
      url,
      REJECT,
      { id: upheldCase.id, input: { action: 'DELETE_CONTENT', reason: 'abuse' } },
      bearer(mod1.accessToken),
    );
    await gql(url, APPEAL, { id: upheldCase.id, reason: 'please' }, bearer(author.accessToken));
    const upheld = await gql<{ resolveAppeal: CaseView }>(
      url,
      RESOLVE,
      { id: upheldCase.id, upheld: true },
      bearer(mod2.accessToken),
    );
    expect(upheld.body.data!.resolveAppeal).toMatchObject({
      status: 'REJECTED',
      action: 'DELETE_CONTENT',
      appeal: { status: 'UPHELD' },
    });
    expect((await decidedEvent(upheldCase.id, true)).payload).toMatchObject({
      status: 'REJECTED',
      appeal: true,
      decidedBy: mod2.id,
    });

    // Only a rejection can be appealed.
    const approved = await moderate(mod1.accessToken, { text: 'hello again' });
    expect(reasonOf(await gql(url, APPEAL, { id: approved.id, reason: 'why' }, bearer(author.accessToken)))).toBe(
      'CASE_NOT_REJECTED',
    );
  });

  test('an appeal after the window is refused', async () => {
    const c = await pending();
    const rejected = await gql<{ rejectContent: CaseView }>(
      url,
      REJECT,
      { id: c.id, input: { action: 'DELETE_CONTENT', reason: 'abuse' } },
      bearer(mod1.accessToken),
    );
    const closesAt = Date.parse(rejected.body.data!.rejectContent.decidedAt!) + APPEAL_WINDOW_SECONDS * 1000;
    await eventually(() => (Date.now() > closesAt + 50 ? true : undefined), 20_000);
    const late = await gql(url, APPEAL, { id: c.id, reason: 'late' }, bearer(author.accessToken));
    expect([errorCode(late), reasonOf(late)]).toEqual(['BAD_USER_INPUT', 'APPEAL_WINDOW_CLOSED']);
  });

  test('bad input: each refusal has its code and reason', async () => {
    const missing = uuidv7();
    expect(errorCode(await gql(url, APPROVE, { id: missing }, bearer(mod1.accessToken)))).toBe('NOT_FOUND');
    expect(errorCode(await gql(url, APPROVE, { id: 'not-an-id' }, bearer(mod1.accessToken)))).toBe('NOT_FOUND');
    expect(errorCode(await gql(url, CLAIM, { id: missing }, bearer(mod1.accessToken)))).toBe('NOT_FOUND');
    expect(errorCode(await gql(url, APPEAL, { id: missing, reason: 'x' }, bearer(author.accessToken)))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await gql(url, QUEUE, {}, bearer(author.accessToken)))).toBe('FORBIDDEN');
    expect(
      errorCode(await gql(url, REPORT, { input: { contentType: 'MESSAGE', contentId: missing, reason: 'x' } })),
    ).toBe('UNAUTHENTICATED');

    const c = await pending();
    expect(errorCode(await gql(url, APPROVE, { id: c.id }, bearer(author.accessToken)))).toBe('FORBIDDEN');
    await gql(url, APPROVE, { id: c.id }, bearer(mod1.accessToken));
    const again = await gql(
      url,
      REJECT,
      { id: c.id, input: { action: 'BAN_USER', reason: 'x' } },
      bearer(mod2.accessToken),
    );
    expect([errorCode(again), reasonOf(again)]).toEqual(['BAD_USER_INPUT', 'CASE_ALREADY_DECIDED']);

    const own = await pending({ authorId: mod1.id });
    const ownDecision = await gql(url, APPROVE, { id: own.id }, bearer(mod1.accessToken));
    expect([errorCode(ownDecision), reasonOf(ownDecision)]).toEqual(['FORBIDDEN', 'OWN_CONTENT']);
    const byStaff = await pending({ authorId: admin.id });
    const onStaff = await gql(url, APPROVE, { id: byStaff.id }, bearer(mod2.accessToken));
    expect([errorCode(onStaff), reasonOf(onStaff)]).toEqual(['FORBIDDEN', 'AUTHOR_IS_STAFF']);
    expect((await gql(url, APPROVE, { id: own.id }, bearer(admin.accessToken))).body.data).toBeTruthy(); // an admin may

    const suspend = await gql(
      url,
      REJECT,
      { id: byStaff.id, input: { action: 'SUSPEND_USER', reason: 'x' } },
      bearer(admin.accessToken),
    );
    expect(suspend.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'suspendDays',
      reason: 'SUSPENSION_END_REQUIRED',
    });
    const blank = await gql(
      url,
      REJECT,
      { id: byStaff.id, input: { action: 'BAN_USER', reason: '  ' } },
      bearer(admin.accessToken),
    );
    expect(blank.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const note = await gql<{ addModeratorNote: { notes: { text: string }[] } }>(
      url,
      NOTE,
      { id: byStaff.id, text: 'checked' },
      bearer(mod2.accessToken),
    );
    expect(note.body.data!.addModeratorNote.notes).toEqual([{ text: 'checked' }]);
    expect(errorCode(await gql(url, QUEUE, { after: 'bogus' }, bearer(mod1.accessToken)))).toBe('BAD_USER_INPUT');
    const nothing = await gql(
      url,
      MODERATE,
      { input: { contentType: 'IMAGE', contentId: 'img-1' } },
      bearer(mod1.accessToken),
    );
    expect(nothing.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'text',
      reason: 'REQUIRED',
    });
    // Media the classifier cannot judge waits for a human.
    const media = await moderate(mod1.accessToken, {
      contentType: 'IMAGE',
      contentId: 'img-2',
      mediaUrl: 'https://cdn.example.test/img-2.png',
      mimeType: 'image/png',
      size: 1024,
      sha256: 'ab'.repeat(32),
    });
    expect(media).toMatchObject({ status: 'PENDING', confidence: null, source: 'STAFF' });
  });

  test('the queue pages by (priority, age, id) without gaps or repeats', async () => {
    for (let i = 0; i < 5; i++) await pending();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: GraphQLResponse<{
        moderationQueue: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      }> = await gql(url, QUEUE, { first: 3, after }, bearer(mod1.accessToken));
      const connection = page.body.data!.moderationQueue;
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    const expected = await execSql<{ id: string }>(
      stack,
      'moderation',
      `select id from moderation_cases where status in ('PENDING', 'ESCALATED', 'APPEALED') order by priority, created_at, id`,
    );
    expect(seen).toEqual(expected.map((row) => row.id));
  });

  test('moderationQueueUpdates streams queue changes to staff through the gateway', async () => {
    type Update = { moderationQueueUpdates: { kind: string; caseId: string; status: string; case: { id: string } } };
    const SUBSCRIBE = 'subscription { moderationQueueUpdates { kind caseId status case { id status } } }';
    const feed = collect<Update>(url, SUBSCRIBE, {}, { authorization: `Bearer ${mod2.accessToken}` });
    try {
      // The subscription is live once a new case shows up on it.
      const c = await eventually(async () => {
        const created = await pending();
        const seen = await eventually(
          () => feed.results.find((r) => r.data?.moderationQueueUpdates.caseId === created.id) ?? null,
          2_000,
        ).catch(() => undefined);
        return seen ? created : undefined;
      });
      await gql(url, CLAIM, { id: c.id }, bearer(mod1.accessToken));
      await gql(url, APPROVE, { id: c.id }, bearer(mod1.accessToken));
      const kinds = await eventually(() => {
        const mine = feed.results
          .map((r) => r.data?.moderationQueueUpdates)
          .filter((u) => u?.caseId === c.id)
          .map((u) => `${u!.kind}:${u!.status}`);
        return mine.length >= 3 ? mine : undefined;
      });
      expect(kinds).toEqual(['QUEUED:PENDING', 'CLAIMED:PENDING', 'DECIDED:APPROVED']);
    } finally {
      feed.leave();
    }
    const plain = collect(url, SUBSCRIBE, {}, { authorization: `Bearer ${author.accessToken}` });
    await plain.finished.catch(() => undefined);
    expect(plain.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('the subgraph serves its decisions, queue and classifier metrics on /metrics', async () => {
    const metrics = await (await fetch(new URL('/metrics', stack.subgraphs.moderation!.url))).text();
    expect(metrics).toMatch(/^moderation_decisions_total\{[^}]*outcome="APPROVED"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^moderation_queue_depth\{service="moderation"\} [1-9]/m);
    expect(metrics).toMatch(/^moderation_classification_duration_seconds_count\{[^}]*provider="local"[^}]*\} [1-9]/m);
  });
});
