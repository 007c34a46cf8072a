import { randomBytes } from 'node:crypto';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { bearer, gql, register, type Account } from '../support/http.js';
import { eventually } from '../support/moderation.js';
import { OpenAiTestServer } from '../support/openai-server.js';
import { profiles } from '../support/profiles.js';
import {
  billingEnv,
  deliverWebhook,
  StripeTestServer,
  TEST_PRICES,
  TEST_REDIRECT_ORIGIN,
  withEnv,
} from '../support/stripe-server.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const CANCEL = 'mutation($id: ID!) { cancelReply(messageId: $id) { id status } }';

describe.each(profiles())('streaming priority ($name profile)', (profile) => {
  const openai = new OpenAiTestServer('sk-test-key');
  let stripe: StripeTestServer;
  let stack: TestStack;
  let url: string;
  const secret = `whsec_${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    await openai.start();
    stripe = await StripeTestServer.start(TEST_PRICES);
    const restore = withEnv(billingEnv(stripe, secret));
    try {
      stack = await startTestStack(profile, {
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: openai.baseURL,
        LLM_MAX_CONCURRENT_GENERATIONS: '1',
      });
    } finally {
      restore();
    }
    url = stack.gateway.url;
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    await stripe?.stop();
    await openai.stop();
  });

  /** Through Stripe: checkout of the VIP price and its webhooks; resolves once companions knows the plan. */
  const upgradeToVip = async (account: Account) => {
    const session = await gql<{ createCheckoutSession: { id: string } }>(
      url,
      'mutation($ok: String!) { createCheckoutSession(plan: VIP, successUrl: $ok, cancelUrl: $ok) { id } }',
      { ok: `${TEST_REDIRECT_ORIGIN}/done` },
      bearer(account.accessToken),
    );
    const webhookUrl = stack.subgraphs.users!.url.replace('/graphql', '/webhooks/stripe');
    const { events } = stripe.completeCheckout(session.body.data!.createCheckoutSession.id);
    for (const event of events) expect((await deliverWebhook(webhookUrl, event, secret)).status).toBe(200);
    await eventually(async () => {
      const me = await gql<{ me: { usage: { messagesLimit: number } } }>(
        url,
        '{ me { usage { messagesLimit } } }',
        {},
        bearer(account.accessToken),
      );
      return me.body.data?.me.usage.messagesLimit === 20_000 ? true : null;
    });
  };
  const sendAs = async (account: Account, text: string) => {
    const companion = await createCompanion(url, account.accessToken);
    const conversation = await startConversation(url, account.accessToken, companion);
    const response = await send(url, account.accessToken, conversation, text);
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return response.body.data.sendMessage.reply.id;
  };
  /** A gauge's value on the companions /metrics (every series there also carries `service`). */
  const gauge = async (name: string, priority?: string) => {
    const text = await (await fetch(new URL('/metrics', stack.subgraphs.companions!.url))).text();
    const row = text
      .split('\n')
      .find((line) => line.startsWith(`${name}{`) && (!priority || line.includes(`priority="${priority}"`)));
    return row === undefined ? undefined : Number(row.split(' ').at(-1));
  };
  const lastUserText = (index: number) => {
    const body = openai.requests[index]!.body!;
    return body.messages!.at(-1)!.content;
  };

  test('with one generation slot, a VIP reply queued after a FREE one starts first', async () => {
    const [busy, waiting, vip] = await Promise.all([register(url), register(url), register(url)]);
    await upgradeToVip(vip);
    openai.reset();
    // The first reply holds the only slot until it is cancelled; the others get a normal reply.
    openai.script({ kind: 'hang-after', tokens: 1, delayMs: 10 });

    const holding = await sendAs(busy, 'holding the slot');
    await eventually(() => (openai.requests.length === 1 ? true : null));
    await sendAs(waiting, 'free and waiting');
    await sendAs(vip, 'vip and waiting');
    await eventually(async () =>
      (await gauge('companions_generations_queued', 'LOW')) === 1 &&
      (await gauge('companions_generations_queued', 'HIGHEST')) === 1
        ? true
        : null,
    );
    expect(openai.requests).toHaveLength(1);

    const cancelled = await gql<{ cancelReply: { status: string } }>(
      url,
      CANCEL,
      { id: holding },
      bearer(busy.accessToken),
    );
    expect(cancelled.body.data?.cancelReply.status).toBe('CANCELLED');
    await eventually(() => (openai.requests.length === 3 ? true : null));
    expect([lastUserText(0), lastUserText(1), lastUserText(2)]).toEqual([
      'holding the slot',
      'vip and waiting',
      'free and waiting',
    ]);
    await eventually(async () => ((await gauge('companions_generations_running')) === 0 ? true : null));
    expect(await gauge('companions_generations_queued', 'LOW')).toBe(0);
    expect(await gauge('companions_generations_queued', 'HIGHEST')).toBe(0);
  });
});
