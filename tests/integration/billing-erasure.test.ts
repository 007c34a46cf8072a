import { randomBytes } from 'node:crypto';
import { bearer, GOOD_PASSWORD, gql, register, type Account } from '../support/http.js';
import { eventually } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { billingEnv, StripeTestServer, TEST_PRICES, TEST_REDIRECT_ORIGIN, withEnv } from '../support/stripe-server.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const DELETE_ACCOUNT = 'mutation($p: String!) { deleteAccount(password: $p) }';

describe.each(profiles())("an erased user's Stripe customer ($name profile)", (profile) => {
  let stack: TestStack;
  let stripe: StripeTestServer;
  let url: string;

  beforeAll(async () => {
    stripe = await StripeTestServer.start(TEST_PRICES);
    const restore = withEnv(billingEnv(stripe, `whsec_${randomBytes(16).toString('hex')}`));
    try {
      stack = await startTestStack(profile);
    } finally {
      restore();
    }
    url = stack.gateway.url;
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    await stripe?.stop();
  });

  /** A user with a Stripe customer (made by their first checkout). */
  const customerOf = async (account: Account) => {
    const ok = `${TEST_REDIRECT_ORIGIN}/done`;
    const session = await gql(
      url,
      'mutation($ok: String!) { createCheckoutSession(plan: STANDARD, successUrl: $ok, cancelUrl: $ok) { id } }',
      { ok },
      bearer(account.accessToken),
    );
    expect(session.body.errors).toBeUndefined();
    const [row] = await execSql<{ stripe_customer_id: string }>(
      stack,
      'users',
      'select stripe_customer_id from billing_customers where user_id = ?',
      [account.id],
    );
    return row!.stripe_customer_id;
  };
  const pending = (account: Account) =>
    execSql<{ attempts: number; last_error: string | null }>(
      stack,
      'users',
      'select attempts, last_error from billing_customer_deletions where user_id = ?',
      [account.id],
    );
  const failures = async () => {
    const text = await (await fetch(new URL('/metrics', stack.subgraphs.users!.url))).text();
    const row = text.split('\n').find((line) => line.startsWith('billing_customer_deletions_failed_total'));
    return Number(row?.split(' ').at(-1) ?? 0);
  };
  const deletionRequests = (customerId: string) =>
    stripe.requests.filter((request) => request.method === 'DELETE' && request.path === `/v1/customers/${customerId}`)
      .length;
  const erase = async (account: Account) => {
    const response = await gql<{ deleteAccount: boolean }>(
      url,
      DELETE_ACCOUNT,
      { p: GOOD_PASSWORD },
      bearer(account.accessToken),
    );
    expect(response.body.data?.deleteAccount).toBe(true);
  };

  test('Stripe failing the first deletions: recorded, retried with backoff until Stripe answers, then forgotten', async () => {
    const account = await register(url);
    const customerId = await customerOf(account);
    const failedBefore = await failures();
    // More failures than the SDK's own retries of one attempt: the sweeper must try again later.
    stripe.failCustomerDeletions = 7;

    await erase(account);
    // The deletion is recorded durably and keeps its failures while Stripe refuses.
    const recorded = await eventually(async () => {
      const [row] = await pending(account);
      return row && Number(row.attempts) >= 1 ? row : null;
    });
    expect(recorded.last_error).toContain('test failure');
    expect(stripe.customers.get(customerId)?.deleted).toBeUndefined();

    await eventually(() => (stripe.customers.get(customerId)?.deleted === true ? true : null));
    expect(deletionRequests(customerId)).toBe(8); // 7 refused, then the one that went through
    await eventually(async () => ((await pending(account)).length === 0 ? true : null));
    const links = await execSql(stack, 'users', 'select 1 from billing_customers where user_id = ?', [account.id]);
    expect(links).toHaveLength(0);
    expect((await failures()) - failedBefore).toBeGreaterThanOrEqual(2);
  });

  test('a customer Stripe no longer knows (404) counts as deleted, without a failure', async () => {
    const account = await register(url);
    const customerId = await customerOf(account);
    await stripe.client().customers.del(customerId); // deleted from Stripe's dashboard, say
    const failedBefore = await failures();

    await erase(account);
    await eventually(async () => {
      const links = await execSql(stack, 'users', 'select 1 from billing_customers where user_id = ?', [account.id]);
      return links.length === 0 && (await pending(account)).length === 0 ? true : null;
    });
    expect(deletionRequests(customerId)).toBe(2); // the dashboard's, then ours (answered 404)
    expect(await failures()).toBe(failedBefore);
  });
});
