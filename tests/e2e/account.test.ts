// The account page and the plan panel in a real browser, on the web app a real `npm start` graph serves
// with billing pointed at the local Stripe-protocol server: consents, display name, deletion, plan and
// quota, the upgrade through Checkout, and an access token renewed without the user noticing.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { createCompanion } from '../support/chat.js';
import { dropRunDatabases, launchGraph, runPrefixes, type GraphProcess } from '../support/graph-process.js';
import { bearer, gql, GOOD_PASSWORD, register, type Account } from '../support/http.js';
import { profiles } from '../support/profiles.js';
import { billingEnv, deliverWebhook, StripeTestServer, TEST_PRICES } from '../support/stripe-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { embeddedDataDir } from '../support/data-dir.js';
import {
  describeWithBrowser,
  launchBrowser,
  screenshot,
  signIn,
  siteOf,
  type BrowserSession,
} from '../support/browser.js';

const SET_UP_MS = 180_000;
/** Short-lived access tokens, so that every test here lives through a few silent renewals. */
const ACCESS_TOKEN_TTL_SECONDS = 10;
/** A tiny daily quota, so that QUOTA_EXCEEDED is two messages away. */
const MESSAGES_PER_DAY = 2;
/** A time as the app shows it in the browser's locale: `00:00`, `12:00 AM`, or with the day, `Wed 12:00 AM`. */
const LOCAL_TIME = String.raw`(\w+,? )?\d{1,2}:\d{2}( [AP]M)?`;

/** The session the web app keeps in localStorage (clients/web/src/session.ts). */
async function storedSession(page: Page): Promise<{ accessToken: string; refreshToken: string; expiresAt: string }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('nexus.session') ?? 'null') as never);
}

async function openAccount(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Display name').waitFor();
}

/** Opens the conversation with the user's companion Luna from the chat's sidebar. */
async function chatWithLuna(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Chat with Luna' }).click();
  await page.getByRole('heading', { name: 'Luna' }).waitFor();
}

/** Types a message and presses Enter; waits until the reply is over (Send is back). */
async function sendAndWait(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await page.locator('li.message.mine', { hasText: text }).waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
}

describeWithBrowser.each(profiles())('account page, plan and upgrade in a browser ($name profile)', (profile) => {
  const prefixes = runPrefixes();
  const dataDir = embeddedDataDir('nexus-account');
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  let stripe: StripeTestServer;
  let graph: GraphProcess;
  let site: string;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    stripe = await StripeTestServer.start(TEST_PRICES);
    // The app sends Stripe back to its own origin, which billing must allow: fix the gateway's port first.
    const gatewayPort = await TcpProxy.freePort();
    graph = await launchGraph({
      ...profile.env,
      ...prefixes,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(gatewayPort),
      ...billingEnv(stripe, webhookSecret),
      BILLING_REDIRECT_ORIGINS: `http://127.0.0.1:${gatewayPort}`,
      ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
      PLAN_ENTITLEMENTS: JSON.stringify({ FREE: { messagesPerDay: MESSAGES_PER_DAY } }),
      OFFLINE_TOKENS_PER_SECOND: '200',
    });
    site = siteOf(graph.gatewayUrl);
  }, SET_UP_MS);

  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  afterAll(async () => {
    await graph?.stop();
    await stripe?.stop();
    if (profile.env.DATABASE_URL) await dropRunDatabases(profile.env.DATABASE_URL, prefixes.DATABASE_PREFIX!);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /**
   * A new account signed in through the shell's form. `companion` creates Luna first, through the API
   * with the registration's token while it is fresh (tokens here live 10 s; a busy machine is slow).
   */
  async function signedIn(displayName = 'Ada', companion = false): Promise<{ account: Account; page: Page }> {
    const account = await register(graph.gatewayUrl, { displayName });
    if (companion) await createCompanion(graph.gatewayUrl, account.accessToken, { name: 'Luna' });
    session = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    await signIn(session.page, site, account.email, GOOD_PASSWORD);
    return { account, page: session.page };
  }

  test('consents: toggled with the keyboard, kept across a reload, every choice in the history', async () => {
    const { page } = await signedIn();
    await openAccount(page);
    const analytics = page.getByRole('checkbox', { name: 'Product analytics' });
    const offers = page.getByRole('checkbox', { name: 'Offers' });
    // Registration granted ANALYTICS only (tests/support/http.ts).
    expect([await analytics.isChecked(), await offers.isChecked()]).toEqual([true, false]);

    await offers.focus();
    await page.keyboard.press('Space');
    await page.getByRole('status').filter({ hasText: 'Offers: allowed.' }).waitFor();
    await analytics.focus();
    await page.keyboard.press('Space');
    await page.getByRole('status').filter({ hasText: 'Product analytics: not allowed.' }).waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await page.getByText('History of my choices (5)').waitFor();
    expect([await analytics.isChecked(), await offers.isChecked()]).toEqual([false, true]);
    await page.getByText('History of my choices (5)').click();
    const rows = page.locator('.consent-history tbody tr');
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)),
    );
    // Newest first: the two changes, then what registration recorded (same instant, any order).
    expect(cells.slice(0, 2)).toEqual([
      ['Product analytics', 'not allowed', '2026-11-30'],
      ['Offers', 'allowed', '2026-11-30'],
    ]);
    expect(cells.slice(2).sort()).toEqual([
      ['Offers', 'not allowed', '2026-11-30'],
      ['Product analytics', 'allowed', '2026-11-30'],
      ['Terms and privacy policy', 'accepted', '2026-11-30'],
    ]);
    await screenshot(page, `account-${profile.name}`);
    // On a phone the page is one column; only the history table may scroll, inside its card.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, `account-phone-${profile.name}`);
  }, 120_000);

  test('display name: an invalid one shows the API error by the field; a valid one is saved everywhere', async () => {
    const { page } = await signedIn('Ada');
    await openAccount(page);
    const field = page.getByLabel('Display name');
    await field.fill('x'.repeat(65));
    await field.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Display name must be 1 to 64 printable characters');
    expect(await field.getAttribute('aria-invalid')).toBe('true');

    await field.fill('Grace Hopper');
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Display name saved.' }).waitFor();
    expect(await page.locator('header .who').textContent()).toBe('Grace Hopper · FREE plan');
    await page.reload();
    await page.getByLabel('Display name').waitFor();
    expect(await page.getByLabel('Display name').inputValue()).toBe('Grace Hopper');
    expect(await page.locator('header .who').textContent()).toBe('Grace Hopper · FREE plan');
  }, 120_000);

  test('plan and quota: shown in the chat, counted after each message, QUOTA_EXCEEDED told with its reset time', async () => {
    const { page } = await signedIn('Ada', true);
    const panel = page.getByRole('region', { name: /^Plan:/ });
    await panel.getByText('Companions').waitFor();
    expect(await panel.getByTestId('plan-name').textContent()).toBe('FREE');
    const meters = async () =>
      panel
        .locator('meter')
        .evaluateAll((all) =>
          all.map((m) => `${m.getAttribute('aria-label')} ${m.getAttribute('value')}/${m.getAttribute('max')}`),
        );
    expect(await meters()).toEqual([`Daily quota used 0/${MESSAGES_PER_DAY}`, 'Companions owned 1/5']);
    await panel.getByText(new RegExp(`^Resets at ${LOCAL_TIME}$`)).waitFor();

    await chatWithLuna(page);
    await sendAndWait(page, 'Hello Luna');
    await panel.getByText(`1 of ${MESSAGES_PER_DAY}`).waitFor();
    await sendAndWait(page, 'Tell me about Saturn');
    await panel.getByText(`2 of ${MESSAGES_PER_DAY}`).waitFor();
    expect(await meters()).toEqual([`Daily quota used 2/${MESSAGES_PER_DAY}`, 'Companions owned 1/5']);

    await page.getByRole('textbox', { name: 'Message' }).fill('One more?');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(
      new RegExp(
        `^You have sent the ${MESSAGES_PER_DAY} messages your plan allows today\\. You can send again at ${LOCAL_TIME}, or upgrade your plan\\.$`,
      ),
    );
    // Nothing was stored: the count stays.
    expect(await meters()).toEqual([`Daily quota used 2/${MESSAGES_PER_DAY}`, 'Companions owned 1/5']);
    await screenshot(page, `account-quota-${profile.name}`);
  }, 120_000);

  test('upgrade: opens Checkout on the local Stripe server; back on the app, the paid plan shows', async () => {
    const { page } = await signedIn();
    const panel = page.getByRole('region', { name: /^Plan:/ });
    await panel.getByLabel('Plan to upgrade to').selectOption('PREMIUM');
    await panel.getByRole('button', { name: 'Upgrade' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stripe.baseUrl}/c/pay/cs_test`), { timeout: 30_000 });

    const sessionId = page.url().split('/').pop()!;
    const checkout = stripe.checkoutSessions.get(sessionId)!;
    expect([checkout.line_items_price, checkout.success_url, checkout.cancel_url]).toEqual([
      'price_premium_monthly',
      `${site}/?checkout=done`,
      `${site}/?checkout=cancelled`,
    ]);
    // The customer pays and Stripe sends the browser back before its webhooks reach the users service.
    const { events } = stripe.completeCheckout(sessionId);
    await page.goto(String(checkout.success_url));
    await page
      .getByRole('status')
      .filter({ hasText: 'Thank you. Your plan changes as soon as the payment is confirmed.' })
      .waitFor();
    expect(page.url()).toBe(`${site}/`);
    expect(await panel.getByTestId('plan-name').textContent()).toBe('FREE');
    const webhookUrl = `${graph.base.users}/webhooks/stripe`;
    for (const event of events) {
      expect((await deliverWebhook(webhookUrl, event, webhookSecret)).status).toBe(200);
    }
    // The panel looks again while it waits for the confirmation.
    await page.getByRole('status').filter({ hasText: 'Thank you: your PREMIUM plan is active.' }).waitFor();
    await panel.getByTestId('plan-name').filter({ hasText: 'PREMIUM' }).waitFor();
    await panel.getByText(/^Renews on /).waitFor();
    // The header's copy (from the session) follows without waiting for the next token renewal.
    await page.locator('header .who', { hasText: 'Ada · PREMIUM plan' }).waitFor();
    // A live subscription changes plan through the billing portal, not a second checkout.
    expect(await panel.getByRole('button', { name: 'Upgrade' }).count()).toBe(0);
  }, 120_000);

  test('data export: requested, prepared in the background, downloaded as one file; a second one waits a day', async () => {
    const { account, page } = await signedIn('Grace', true);
    await openAccount(page);
    await page.getByRole('button', { name: 'Request an export' }).click();
    const link = page.getByRole('link', { name: 'Download my data' });
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const archive = JSON.parse(await readFile((await download.path())!, 'utf8')) as {
      userId: string;
      parts: Record<string, unknown>;
    };
    expect(archive.userId).toBe(account.id);
    expect(Object.keys(archive.parts).sort()).toEqual(['analytics', 'companions', 'moderation', 'users']);
    expect(JSON.stringify(archive.parts.users)).toContain(account.email);
    expect(JSON.stringify(archive.parts.companions)).toContain('Luna');

    await page.getByRole('button', { name: 'Request an export' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'you can try again at' });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(new RegExp(`you can try again at ${LOCAL_TIME}\\.$`));
  }, 120_000);

  test('deleting the account: a wrong password is refused; then signed out with a message, sign-in refused', async () => {
    const { account, page } = await signedIn();
    await openAccount(page);
    const password = page.getByLabel('Password to confirm');
    await password.fill('not-my-password-1');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('alert').filter({ hasText: 'The password is incorrect.' }).waitFor();

    await password.fill(GOOD_PASSWORD);
    const before = await storedSession(page);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await page.getByRole('status').textContent()).toBe(
      'Your account has been deleted: you are signed out, and your data is being erased. This cannot be undone.',
    );
    expect(await storedSession(page)).toBeNull();
    // The page's session is revoked, not only forgotten: its refresh token is refused.
    const renewal = await gql(
      graph.gatewayUrl,
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
      {
        t: before.refreshToken,
      },
    );
    expect(renewal.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toBe('Invalid email or password');
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  }, 120_000);

  test('silent refresh: the access token expires and is renewed; the page keeps working, no sign-in screen', async () => {
    const { page } = await signedIn('Ada', true);
    await chatWithLuna(page);
    const first = await storedSession(page);
    // Wait until the first token has lapsed and the page holds another, renewed in the background.
    const renewed = page.waitForFunction(
      ({ token, expiresAt }) => {
        const now = JSON.parse(localStorage.getItem('nexus.session') ?? 'null') as { accessToken: string } | null;
        return Date.now() > Date.parse(expiresAt) + 1_000 && now !== null && now.accessToken !== token;
      },
      { token: first.accessToken, expiresAt: first.expiresAt },
      { timeout: 4 * ACCESS_TOKEN_TTL_SECONDS * 1_000, polling: 250 },
    );
    await renewed.catch(async (error: unknown) => {
      await screenshot(page, `account-refresh-failed-${profile.name}`);
      throw error;
    });
    const refused = await gql<{ me: unknown }>(graph.gatewayUrl, '{ me { id } }', {}, bearer(first.accessToken));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Still signed in: a message goes out over HTTP and its reply streams over a (re-authenticated) socket.
    await sendAndWait(page, 'Still there?');
    await page.locator('li.message.theirs').first().waitFor();
    expect((await page.locator('li.message.theirs').first().textContent())?.length).toBeGreaterThan(10);
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    await openAccount(page);
    await page.getByLabel('Display name').fill('Renewed');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Display name saved.' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
  }, 120_000);
});
