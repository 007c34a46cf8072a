import { randomBytes } from 'node:crypto';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register, type Account } from '../support/http.js';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { eventually } from '../support/moderation.js';
import { execSql } from '../support/sql.js';
import {
  billingEnv,
  deliverWebhook,
  StripeTestServer,
  TEST_PRICES,
  TEST_REDIRECT_ORIGIN,
  withEnv,
} from '../support/stripe-server.js';

/** Small limits, so the edges are cheap to reach (the defaults are in platform/plans.ts). */
const PLANS = {
  FREE: { messagesPerDay: 3, companionsOwned: 2, longestMessageChars: 40 },
  STANDARD: { messagesPerDay: 5, companionsOwned: 3, longestMessageChars: 80 },
};
const USAGE = '{ me { plan usage { messagesToday messagesLimit companionsOwned companionsLimit resetsAt } } }';
const CREATE = `mutation($input: CompanionInput!) { createCompanion(input: $input) { id } }`;
const DELETE = 'mutation($id: ID!) { deleteCompanion(id: $id) }';

interface Usage {
  messagesToday: number;
  messagesLimit: number;
  companionsOwned: number;
  companionsLimit: number;
  resetsAt: string;
}

const nextUtcMidnight = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
};

describe.each(profiles())('plan entitlements ($name profile)', (profile) => {
  let stack: TestStack;
  let stripe: StripeTestServer;
  let url: string;
  let webhookUrl: string;
  const secret = `whsec_${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    stripe = await StripeTestServer.start(TEST_PRICES);
    const restore = withEnv({ ...billingEnv(stripe, secret), PLAN_ENTITLEMENTS: JSON.stringify(PLANS) });
    try {
      stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '400' });
    } finally {
      restore();
    }
    url = stack.gateway.url;
    webhookUrl = stack.subgraphs.users!.url.replace('/graphql', '/webhooks/stripe');
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    await stripe?.stop();
  });

  const usage = async (account: Account) => {
    const response = await gql<{ me: { plan: string; usage: Usage } }>(url, USAGE, {}, bearer(account.accessToken));
    if (!response.body.data?.me) throw new Error(JSON.stringify(response.body));
    return response.body.data.me;
  };
  const newCompanion = (account: Account, name: string) =>
    gql<{ createCompanion: { id: string } }>(
      url,
      CREATE,
      { input: { name, description: '', personality: [], visibility: 'PRIVATE' } },
      bearer(account.accessToken),
    );
  /** Through Stripe: checkout, payment, the webhooks; resolves once companions applies the plan. */
  const upgrade = async (account: Account) => {
    const session = await gql<{ createCheckoutSession: { id: string } }>(
      url,
      'mutation($ok: String!) { createCheckoutSession(plan: STANDARD, successUrl: $ok, cancelUrl: $ok) { id } }',
      { ok: `${TEST_REDIRECT_ORIGIN}/done` },
      bearer(account.accessToken),
    );
    const { subscriptionId, events } = stripe.completeCheckout(session.body.data!.createCheckoutSession.id);
    for (const event of events) expect((await deliverWebhook(webhookUrl, event, secret)).status).toBe(200);
    await eventually(async () => ((await usage(account)).usage.companionsLimit === 3 ? true : null));
    return subscriptionId;
  };

  test('messages a day at their edges (limit-1, limit, limit+1) with the reset time', async () => {
    const account = await register(url);
    const companion = await createCompanion(url, account.accessToken);
    const sendOne = async () => {
      const conversation = await startConversation(url, account.accessToken, companion);
      return send(url, account.accessToken, conversation, 'Hello there');
    };
    expect((await usage(account)).usage).toMatchObject({ messagesToday: 0, messagesLimit: 3 });
    for (let i = 1; i <= 2; i++) expect((await sendOne()).body.errors).toBeUndefined();
    expect((await usage(account)).usage).toMatchObject({ messagesToday: 2, messagesLimit: 3 });
    expect((await sendOne()).body.errors).toBeUndefined(); // the limit-th message
    const over = await sendOne();
    expect(over.body.errors![0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 'MESSAGES_PER_DAY',
      limit: 3,
      resetsAt: nextUtcMidnight(),
    });
    const view = (await usage(account)).usage;
    expect(view).toEqual({
      messagesToday: 3,
      messagesLimit: 3,
      companionsOwned: 1,
      companionsLimit: 2,
      resetsAt: nextUtcMidnight(),
    });
    // Refused before anything was stored.
    const [row] = await execSql<{ n: string }>(
      stack,
      'companions',
      `select count(*) as n from messages m join conversations c on c.id = m.conversation_id
       where c.user_id = ? and m.role = 'USER'`,
      [account.id],
    );
    expect(Number(row!.n)).toBe(3);
    // Yesterday's messages do not count: the counter starts again at 00:00 UTC.
    await execSql(
      stack,
      'companions',
      `update messages set created_at = created_at - interval '1 day' where conversation_id in
       (select id from conversations where user_id = ?)`,
      [account.id],
    );
    expect((await usage(account)).usage.messagesToday).toBe(0);
    // A counter row of an earlier day goes with the next send: one row per user at most.
    await execSql(
      stack,
      'companions',
      `insert into message_quota_usage (user_id, day, used) values (?, date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '1 day', 3)`,
      [account.id],
    );
    expect((await sendOne()).body.errors).toBeUndefined();
    const rows = await execSql<{ used: number }>(
      stack,
      'companions',
      'select used from message_quota_usage where user_id = ?',
      [account.id],
    );
    expect(rows).toHaveLength(1);
  });

  test('at limit-1, 20 sends at the same instant: exactly one passes, the others are refused with limit and reset', async () => {
    const account = await register(url);
    const companion = await createCompanion(url, account.accessToken);
    for (let i = 1; i <= 2; i++) {
      const conversation = await startConversation(url, account.accessToken, companion);
      expect((await send(url, account.accessToken, conversation, 'Hello there')).body.errors).toBeUndefined();
    }
    // One conversation per send, so only the quota (not REPLY_IN_PROGRESS) can refuse them.
    const conversations = await Promise.all(
      Array.from({ length: 20 }, () => startConversation(url, account.accessToken, companion)),
    );
    const results = await Promise.all(
      conversations.map((conversation) => send(url, account.accessToken, conversation, 'At the same instant')),
    );
    const passed = results.filter((result) => !result.body.errors);
    const refused = results.filter((result) => result.body.errors);
    expect(passed).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const result of refused) {
      expect(result.body.errors![0]!.extensions).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        quota: 'MESSAGES_PER_DAY',
        limit: 3,
        resetsAt: nextUtcMidnight(),
      });
    }
    expect((await usage(account)).usage).toMatchObject({ messagesToday: 3, messagesLimit: 3 });
  });

  test('a send refused after taking its quota gives it back', async () => {
    const account = await register(url);
    const conversation = await startConversation(
      url,
      account.accessToken,
      await createCompanion(url, account.accessToken),
    );
    expect((await send(url, account.accessToken, conversation, 'First')).body.errors).toBeUndefined();
    // While its reply streams, these are refused inside the transaction that took the quota.
    const again = await Promise.all([1, 2].map(() => send(url, account.accessToken, conversation, 'Again')));
    const refused = again.filter((result) => result.body.errors);
    for (const result of refused) {
      expect(result.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'REPLY_IN_PROGRESS' });
    }
    expect(refused.length).toBeGreaterThan(0); // two sends on one conversation: at most one passes
    expect((await usage(account)).usage.messagesToday).toBe(1 + again.length - refused.length);
  });

  test("a message over the plan's longest is refused with its limit", async () => {
    const account = await register(url);
    const conversation = await startConversation(
      url,
      account.accessToken,
      await createCompanion(url, account.accessToken),
    );
    expect((await send(url, account.accessToken, conversation, 'x'.repeat(40))).body.errors).toBeUndefined();
    const conversation2 = await startConversation(
      url,
      account.accessToken,
      await createCompanion(url, account.accessToken, { name: 'Two' }),
    );
    const long = await send(url, account.accessToken, conversation2, 'x'.repeat(41));
    expect(long.body.errors![0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 'MESSAGE_LENGTH',
      limit: 40,
      resetsAt: null,
    });
  });

  test('companions owned at their edges; upgrade applies when the webhook lands; a downgrade keeps them but blocks more', async () => {
    const account = await register(url);
    expect((await newCompanion(account, 'One')).body.errors).toBeUndefined(); // limit-1
    expect((await newCompanion(account, 'Two')).body.errors).toBeUndefined(); // limit
    const third = await newCompanion(account, 'Three'); // limit+1
    expect(third.body.errors![0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: 'COMPANIONS_OWNED',
      limit: 2,
      resetsAt: null,
    });

    const subscriptionId = await upgrade(account);
    expect(await usage(account)).toMatchObject({
      plan: 'STANDARD',
      usage: { companionsOwned: 2, companionsLimit: 3, messagesLimit: 5 },
    });
    const created = await newCompanion(account, 'Three');
    expect(created.body.errors).toBeUndefined();
    expect((await newCompanion(account, 'Four')).body.errors![0]!.extensions).toMatchObject({ limit: 3 });

    // Stripe ends the subscription: back to FREE, all three companions stay.
    const ended = stripe.endSubscription(subscriptionId);
    expect((await deliverWebhook(webhookUrl, ended, secret)).status).toBe(200);
    await eventually(async () => ((await usage(account)).usage.companionsLimit === 2 ? true : null));
    expect((await usage(account)).usage).toMatchObject({ companionsOwned: 3, companionsLimit: 2 });
    const listed = await gql<{ me: { companions: { edges: unknown[] } } }>(
      url,
      '{ me { companions(first: 10) { edges { node { id } } } } }',
      {},
      bearer(account.accessToken),
    );
    expect(listed.body.data!.me.companions.edges).toHaveLength(3);
    expect((await newCompanion(account, 'Five')).body.errors![0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      limit: 2,
    });
    // Deleting down to the limit is not enough; below it is.
    await gql(url, DELETE, { id: created.body.data!.createCompanion.id }, bearer(account.accessToken));
    expect((await newCompanion(account, 'Five')).body.errors![0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    const first = (listed.body.data!.me.companions.edges as { node: { id: string } }[]).find(
      (edge) => edge.node.id !== created.body.data!.createCompanion.id,
    )!;
    await gql(url, DELETE, { id: first.node.id }, bearer(account.accessToken));
    expect((await newCompanion(account, 'Five')).body.errors).toBeUndefined();
  });

  test("usage is the user's own", async () => {
    const account = await register(url);
    const other = await register(url);
    const peek = await gql(
      url,
      'query($id: ID!) { user(id: $id) { usage { messagesToday } } }',
      { id: account.id },
      bearer(other.accessToken),
    );
    expect(peek.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});
