import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import { bearer, gql, register } from '../support/http.js';
import { loadBillingSettings } from '../../subgraphs/users/billing/settings.js';

describe('billing settings', () => {
  test('all five Stripe values or none; each checked', () => {
    expect(loadBillingSettings({})).toBeNull();
    expect(() => loadBillingSettings({ STRIPE_API_KEY: 'sk_test_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET: required/);
    const full = {
      STRIPE_API_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_PRICE_STANDARD: 'price_a',
      STRIPE_PRICE_PREMIUM: 'price_b',
      STRIPE_PRICE_VIP: 'price_c',
      BILLING_REDIRECT_ORIGINS: 'https://app.example.com',
    };
    expect(loadBillingSettings(full)?.redirectOrigins).toEqual(new Set(['https://app.example.com']));
    expect(() => loadBillingSettings({ ...full, BILLING_REDIRECT_ORIGINS: '' })).toThrow(/BILLING_REDIRECT_ORIGINS/);
    expect(() => loadBillingSettings({ ...full, STRIPE_WEBHOOK_SECRET: 'nope' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    expect(() => loadBillingSettings({ ...full, STRIPE_PRICE_VIP: 'price_a' })).toThrow(/own price/);
  });
});

describe.each(profiles())('billing not configured ($name profile)', (profile) => {
  let stack: TestStack;
  let url: string;

  beforeAll(async () => {
    stack = await startTestStack(profile);
    url = stack.gateway.url;
  }, 120_000);
  afterAll(() => stack?.destroy());

  test('billing mutations answer BILLING_DISABLED; everything else works', async () => {
    const account = await register(url);
    const auth = bearer(account.accessToken);
    const checkout = await gql(
      url,
      'mutation { createCheckoutSession(plan: VIP, successUrl: "https://a.example/x", cancelUrl: "https://a.example/y") { url } }',
      {},
      auth,
    );
    expect(checkout.body.errors![0]!.extensions).toMatchObject({ code: 'BILLING_DISABLED' });
    const portal = await gql(
      url,
      'mutation { createBillingPortalSession(returnUrl: "https://a.example") { url } }',
      {},
      auth,
    );
    expect(portal.body.errors![0]!.extensions).toMatchObject({ code: 'BILLING_DISABLED' });
    const cancel = await gql(url, 'mutation { cancelSubscription { id } }', {}, auth);
    expect(cancel.body.errors![0]!.extensions).toMatchObject({ code: 'BILLING_DISABLED' });
    const me = await gql(
      url,
      '{ me { plan subscription { plan } invoices { edges { cursor } } usage { messagesLimit companionsLimit } } }',
      {},
      auth,
    );
    expect(me.body).toEqual({
      data: {
        me: {
          plan: 'FREE',
          subscription: null,
          invoices: { edges: [] },
          usage: { messagesLimit: 100, companionsLimit: 5 },
        },
      },
    });
    const webhook = await fetch(stack.subgraphs.users!.url.replace('/graphql', '/webhooks/stripe'), {
      method: 'POST',
      body: '{}',
    });
    expect(webhook.status).toBe(404);
  });
});
