import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, errorCode, gql, register, type Account } from '../support/http.js';
import { eventually, listen } from '../support/moderation.js';
import { execSql } from '../support/sql.js';
import {
  billingEnv,
  deliverWebhook,
  StripeTestServer,
  TEST_PRICES,
  TEST_REDIRECT_ORIGIN,
  withEnv,
  type StripeEvent,
} from '../support/stripe-server.js';
import type { AnyEvent } from '../../schema/events/contracts.js';

const CHECKOUT = `mutation($plan: Plan!, $ok: String!, $cancel: String!) {
  createCheckoutSession(plan: $plan, successUrl: $ok, cancelUrl: $cancel) { id url expiresAt } }`;
const PORTAL = 'mutation($back: String!) { createBillingPortalSession(returnUrl: $back) { url } }';
const CANCEL = 'mutation { cancelSubscription { id plan status cancelAtPeriodEnd currentPeriodEnd } }';
const BILLING = `query($first: Int, $after: String) { me { id plan
  subscription { id plan status currentPeriodEnd cancelAtPeriodEnd }
  invoices(first: $first, after: $after) { edges { cursor node { id status amountPaid amountDue currency } } pageInfo { hasNextPage endCursor } } } }`;

const OK_URL = `${TEST_REDIRECT_ORIGIN}/billing/done`;
const CANCEL_URL = `${TEST_REDIRECT_ORIGIN}/billing/cancelled`;

interface Me {
  me: {
    id: string;
    plan: string;
    subscription: { id: string; plan: string; status: string; cancelAtPeriodEnd: boolean } | null;
    invoices: {
      edges: { cursor: string; node: { id: string; status: string; amountPaid: number; currency: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

describe.each(profiles())('billing with Stripe ($name profile)', (profile) => {
  let stack: TestStack;
  let stripe: StripeTestServer;
  let url: string;
  let webhookUrl: string;
  const secret = `whsec_${randomBytes(16).toString('hex')}`;
  let lifecycle: Awaited<ReturnType<typeof listen>>;
  let analytics: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    stripe = await StripeTestServer.start(TEST_PRICES);
    // Billing reads STRIPE_* and BILLING_* itself (billing/settings.ts) when its services are created.
    const restore = withEnv({ ...billingEnv(stripe, secret), BILLING_WEBHOOK_PER_SECOND: '40' });
    try {
      stack = await startTestStack(profile);
    } finally {
      restore();
    }
    url = stack.gateway.url;
    webhookUrl = stack.subgraphs.users!.url.replace('/graphql', '/webhooks/stripe');
    lifecycle = await listen(stack, 'user-lifecycle');
    analytics = await listen(stack, 'analytics-events');
  }, 120_000);
  afterAll(async () => {
    await lifecycle?.close();
    await analytics?.close();
    await stack?.destroy();
    await stripe?.stop();
  });

  const me = async (account: Account, variables: Record<string, unknown> = {}) => {
    const response = await gql<Me>(url, BILLING, variables, bearer(account.accessToken));
    if (!response.body.data?.me) throw new Error(JSON.stringify(response.body));
    return response.body.data.me;
  };
  const deliver = async (event: StripeEvent) => {
    const result = await deliverWebhook(webhookUrl, event, secret);
    expect(result.status).toBe(200);
    return result;
  };
  const checkout = async (account: Account, plan = 'STANDARD') => {
    const response = await gql<{ createCheckoutSession: { id: string; url: string } }>(
      url,
      CHECKOUT,
      { plan, ok: OK_URL, cancel: CANCEL_URL },
      bearer(account.accessToken),
    );
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return response.body.data.createCheckoutSession;
  };
  /** A user who went through checkout and whose first payment Stripe confirmed (all three webhooks). */
  const subscribed = async (plan = 'STANDARD') => {
    const account = await register(url);
    const session = await checkout(account, plan);
    const { subscriptionId, events } = stripe.completeCheckout(session.id);
    for (const event of events) await deliver(event);
    return { account, subscriptionId, events };
  };
  const of = (received: AnyEvent[], type: string, userId: string) =>
    received.filter((event) => event.type === type && event.userId === userId);

  test('checkout: a Stripe Checkout session in subscription mode, one customer per user reused', async () => {
    const account = await register(url);
    const first = await checkout(account, 'PREMIUM');
    expect(first.url).toBe(`${stripe.baseUrl}/c/pay/${first.id}`);
    const second = await checkout(account, 'VIP');
    const sessions = [stripe.checkoutSessions.get(first.id)!, stripe.checkoutSessions.get(second.id)!];
    expect(sessions.map((s) => [s.mode, s.line_items_price, s.success_url, s.cancel_url])).toEqual([
      ['subscription', 'price_premium_monthly', OK_URL, CANCEL_URL],
      ['subscription', 'price_vip_monthly', OK_URL, CANCEL_URL],
    ]);
    expect(sessions[0]!.customer).toBe(sessions[1]!.customer);
    const customer = stripe.customers.get(String(sessions[0]!.customer))!;
    expect(customer).toMatchObject({ email: account.email, metadata: { user_id: account.id } });
    const ofUser = [...stripe.customers.values()].filter(
      (c) => (c.metadata as Record<string, string>)?.user_id === account.id,
    );
    expect(ofUser).toHaveLength(1);
    // Nothing changes until Stripe says the customer paid.
    expect((await me(account)).plan).toBe('FREE');
  });

  test('redirect URLs off the allowed origins, and FREE, are refused before Stripe is called', async () => {
    const account = await register(url);
    const before = stripe.requests.length;
    const foreign = await gql(
      url,
      CHECKOUT,
      { plan: 'STANDARD', ok: 'https://evil.example/steal', cancel: CANCEL_URL },
      bearer(account.accessToken),
    );
    expect(foreign.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'successUrl',
      reason: 'REDIRECT_NOT_ALLOWED',
    });
    const free = await gql(
      url,
      CHECKOUT,
      { plan: 'FREE', ok: OK_URL, cancel: CANCEL_URL },
      bearer(account.accessToken),
    );
    expect(free.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'plan' });
    const portal = await gql(url, PORTAL, { back: 'javascript:alert(1)' }, bearer(account.accessToken));
    expect(portal.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'returnUrl' });
    expect(stripe.requests.length).toBe(before);
    expect(errorCode(await gql(url, CHECKOUT, { plan: 'VIP', ok: OK_URL, cancel: CANCEL_URL }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  test('checkout completed → plan, subscription, invoice, and the events for the graph and analytics', async () => {
    const { account, subscriptionId, events } = await subscribed('STANDARD');
    const view = await me(account);
    expect(view.plan).toBe('STANDARD');
    expect(view.subscription).toMatchObject({
      id: subscriptionId,
      plan: 'STANDARD',
      status: 'ACTIVE',
      cancelAtPeriodEnd: false,
    });
    expect(view.invoices.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ status: 'paid', amountPaid: 999, currency: 'eur' }),
    ]);
    const changed = await eventually(() => {
      const found = of(lifecycle.received, 'user.plan_changed', account.id);
      return found.length ? found : null;
    });
    expect(changed.map((event) => event.payload)).toEqual([{ from: 'FREE', to: 'STANDARD', subscriptionId }]);
    const invoiceId = (events[2]!.data.object as { id: string }).id;
    await eventually(() => (of(analytics.received, 'payment.completed', account.id).length ? true : null));
    await eventually(() => (of(analytics.received, 'subscription.created', account.id).length ? true : null));
    expect(of(analytics.received, 'subscription.created', account.id)[0]!.payload).toEqual({
      subscriptionId,
      plan: 'STANDARD',
      previousPlan: 'FREE',
      monthlyAmountCents: 999,
      currency: 'EUR',
    });
    expect(of(analytics.received, 'payment.completed', account.id)[0]!.payload).toEqual({
      paymentId: invoiceId,
      subscriptionId,
      plan: 'STANDARD',
      amountCents: 999,
      currency: 'EUR',
    });
    // A second checkout while subscribed is refused: plan changes go through the portal.
    const again = await gql(
      url,
      CHECKOUT,
      { plan: 'VIP', ok: OK_URL, cancel: CANCEL_URL },
      bearer(account.accessToken),
    );
    expect(again.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ALREADY_SUBSCRIBED' });
  });

  test('the same event delivered 10 times (at once) applies once', async () => {
    const { account, subscriptionId } = await subscribed('STANDARD');
    const renewal = stripe.renew(subscriptionId);
    const results = await Promise.all(Array.from({ length: 10 }, () => deliverWebhook(webhookUrl, renewal, secret)));
    expect(results.map((result) => result.status)).toEqual(Array(10).fill(200));
    const outcomes = results.map((result) => (JSON.parse(result.body) as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')]);
    await eventually(() => (of(analytics.received, 'payment.completed', account.id).length >= 2 ? true : null));
    // Wait for the outbox to have relayed everything staged, then count.
    await eventually(async () => {
      const [row] = await execSql<{ n: string }>(
        stack,
        'users',
        'select count(*) as n from outbox where published_at is null',
      );
      return Number(row!.n) === 0 ? true : null;
    });
    const payments = of(analytics.received, 'payment.completed', account.id).filter(
      (event) => (event.payload as { paymentId: string }).paymentId === (renewal.data.object as { id: string }).id,
    );
    expect(payments).toHaveLength(1);
    const metrics = await (await fetch(webhookUrl.replace('/webhooks/stripe', '/metrics'))).text();
    expect(metrics).toMatch(/billing_webhooks_duplicate_total\{type="invoice.paid"[^}]*\} ([1-9]\d*)/);
    const duplicates = Number(/billing_webhooks_duplicate_total\{type="invoice.paid"[^}]*\} (\d+)/.exec(metrics)![1]);
    expect(duplicates).toBeGreaterThanOrEqual(9);
    expect(metrics).toMatch(/billing_checkout_sessions_created_total\{plan="STANDARD"[^}]*\} [1-9]/);
  });

  test('out of order: an older update delivered after the end of the subscription changes nothing', async () => {
    const { account, subscriptionId } = await subscribed('STANDARD');
    const upgrade = stripe.changePrice(subscriptionId, 'price_premium_monthly');
    const ended = stripe.endSubscription(subscriptionId, 5);
    await deliver(ended);
    expect((await me(account)).plan).toBe('FREE');
    await deliver(upgrade); // older, late
    const view = await me(account);
    expect(view.plan).toBe('FREE');
    expect(view.subscription).toMatchObject({ id: subscriptionId, status: 'CANCELED' });
    await eventually(() => (of(analytics.received, 'subscription.cancelled', account.id).length ? true : null));
    expect(of(analytics.received, 'subscription.cancelled', account.id)[0]!.payload).toEqual({
      subscriptionId,
      plan: 'PREMIUM',
      reason: 'cancellation_requested',
    });
    const changes = await eventually(() => {
      const found = of(lifecycle.received, 'user.plan_changed', account.id);
      return found.length >= 2 ? found : null;
    });
    expect(changes.map((event) => (event.payload as { to: string }).to)).toEqual(['STANDARD', 'FREE']);
  });

  test('subscription updated (plan change in the portal) applies at once; created after updated keeps the newer', async () => {
    const account = await register(url);
    const session = await checkout(account, 'STANDARD');
    const { subscriptionId, events } = stripe.completeCheckout(session.id);
    const created = events[1]!;
    const upgrade = stripe.changePrice(subscriptionId, 'price_vip_monthly');
    await deliver(upgrade);
    expect((await me(account)).plan).toBe('VIP');
    await deliver(created); // first event, delivered last
    await deliver(events[0]!);
    expect((await me(account)).subscription).toMatchObject({ plan: 'VIP', status: 'ACTIVE' });
    expect((await me(account)).plan).toBe('VIP');
  });

  test('bad signature, old timestamp, other secret → 400 and no change; the genuine delivery then applies', async () => {
    const account = await register(url);
    const session = await checkout(account, 'PREMIUM');
    const { events } = stripe.completeCheckout(session.id);
    const created = events[1]!;
    const attempts = [
      await deliverWebhook(webhookUrl, created, secret, { signature: 't=1,v1=deadbeef' }),
      await deliverWebhook(webhookUrl, created, secret, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await deliverWebhook(webhookUrl, created, `whsec_${randomBytes(16).toString('hex')}`),
      await deliverWebhook(webhookUrl, created, secret, { signature: '' }),
      // A body changed after signing.
      await deliverWebhook(webhookUrl, JSON.stringify({ ...created, id: 'evt_forged' }), secret, {
        signature: Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(created), secret }),
      }),
    ];
    expect(attempts.map((attempt) => attempt.status)).toEqual([400, 400, 400, 400, 400]);
    expect((await me(account)).plan).toBe('FREE');
    const stored = await execSql(stack, 'users', 'select * from billing_webhook_events where event_id in (?, ?)', [
      created.id,
      'evt_forged',
    ]);
    expect(stored).toEqual([]);
    await deliver(created);
    expect((await me(account)).plan).toBe('PREMIUM');
    const metrics = await (await fetch(webhookUrl.replace('/webhooks/stripe', '/metrics'))).text();
    expect(metrics).toMatch(/billing_webhooks_failed_total\{reason="signature"[^}]*\} ([5-9]|\d{2,})/);
  });

  test('portal session via the SDK; cancel at period end keeps the plan until Stripe ends it', async () => {
    const { account, subscriptionId } = await subscribed('PREMIUM');
    const portal = await gql<{ createBillingPortalSession: { url: string } }>(
      url,
      PORTAL,
      { back: `${TEST_REDIRECT_ORIGIN}/settings` },
      bearer(account.accessToken),
    );
    const portalUrl = portal.body.data!.createBillingPortalSession.url;
    const stored = [...stripe.portalSessions.values()].find((s) => s.url === portalUrl)!;
    expect(stored.return_url).toBe(`${TEST_REDIRECT_ORIGIN}/settings`);

    const cancelled = await gql<{ cancelSubscription: { cancelAtPeriodEnd: boolean; plan: string } }>(
      url,
      CANCEL,
      {},
      bearer(account.accessToken),
    );
    expect(cancelled.body.data!.cancelSubscription).toMatchObject({ cancelAtPeriodEnd: true, plan: 'PREMIUM' });
    expect(stripe.subscriptions.get(subscriptionId)!.cancel_at_period_end).toBe(true);
    expect((await me(account)).plan).toBe('PREMIUM');
    await deliver(stripe.endSubscription(subscriptionId));
    expect((await me(account)).plan).toBe('FREE');
    const none = await gql(url, CANCEL, {}, bearer(account.accessToken));
    expect(none.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_SUBSCRIPTION' });
  });

  test('invoice.payment_failed: payment.failed for analytics, plan kept while Stripe retries (PAST_DUE)', async () => {
    const { account, subscriptionId } = await subscribed('VIP');
    const [failed, pastDue] = stripe.failRenewal(subscriptionId);
    await deliver(failed!);
    await deliver(pastDue!);
    const view = await me(account);
    expect(view.plan).toBe('VIP');
    expect(view.subscription).toMatchObject({ status: 'PAST_DUE' });
    await eventually(() => (of(analytics.received, 'payment.failed', account.id).length ? true : null));
    expect(of(analytics.received, 'payment.failed', account.id)[0]!.payload).toMatchObject({
      paymentId: (failed!.data.object as { id: string }).id,
      subscriptionId,
      plan: 'VIP',
      amountCents: 4999,
      currency: 'EUR',
    });
  });

  test('invoices page through Stripe with first/after; others cannot read them', async () => {
    const { account, subscriptionId } = await subscribed('STANDARD');
    for (let i = 0; i < 2; i++) await deliver(stripe.renew(subscriptionId));
    const page1 = (await me(account, { first: 2 })).invoices;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await me(account, { first: 2, after: page1.pageInfo.endCursor })).invoices;
    expect(page2.edges).toHaveLength(1);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const ids = [...page1.edges, ...page2.edges].map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(3);
    const other = await register(url);
    const peek = await gql(
      url,
      'query($id: ID!) { user(id: $id) { subscription { plan } invoices { edges { cursor } } } }',
      { id: account.id },
      bearer(other.accessToken),
    );
    expect(errorCode(peek)).toBe('FORBIDDEN');
    const bad = await gql(url, BILLING, { after: 'not-a-cursor' }, bearer(account.accessToken));
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  test('the webhook endpoint is throttled per address (429) and takes POST only', async () => {
    expect((await fetch(webhookUrl)).status).toBe(405);
    const burst = await Promise.all(
      Array.from({ length: 120 }, () => deliverWebhook(webhookUrl, '{}', secret, { signature: 'bad' })),
    );
    const statuses = new Set(burst.map((result) => result.status));
    expect(statuses.has(429)).toBe(true);
    expect([...statuses].every((status) => status === 400 || status === 429)).toBe(true);
  });
});
