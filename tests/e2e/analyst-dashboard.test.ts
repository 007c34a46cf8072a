// The analyst dashboard in a real browser, in the web app the gateway serves: headline figures and both uPlot charts
// show the events users caused, the funnel builder and retention answer, and the live metrics change as
// new events arrive, once a second.
import type { Page } from 'playwright-core';
import { bearer, gql, GOOD_PASSWORD, LOGIN, register, uniqueEmail, type Account } from '../support/http.js';
import { eventually } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { execSql } from '../support/sql.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import {
  describeWithBrowser,
  launchBrowser,
  screenshot,
  signIn,
  siteOf,
  type BrowserSession,
} from '../support/browser.js';

const TRACK = `mutation($inputs: [TrackEventInput!]!) { trackEvents(inputs: $inputs) }`;
const HOURLY_TOTAL = `{ eventsByHour(hours: 24) { count } }`;

describeWithBrowser.each(profiles())('analyst dashboard in the web app ($name profile)', (profile) => {
  let stack: TestStack;
  let session: BrowserSession;
  let page: Page;
  let analyst: Account;
  let users: Account[];

  async function promoteAnalyst(): Promise<Account> {
    const url = stack.gateway.url;
    const email = uniqueEmail('analyst');
    const account = await register(url, { email });
    await execSql(stack, 'users', 'update users set role = ? where id = ?', ['ANALYST', account.id]);
    const login = await gql<{ login: { accessToken: string } }>(url, LOGIN, {
      input: { email, password: GOOD_PASSWORD },
    });
    return { ...account, accessToken: login.body.data!.login.accessToken };
  }

  const track = (user: Account, types: string[]) =>
    gql<{ trackEvents: number }>(
      stack.gateway.url,
      TRACK,
      { inputs: types.map((type) => ({ type })) },
      bearer(user.accessToken),
    );

  const countedEvents = async () => {
    const response = await gql<{ eventsByHour: { count: number }[] }>(
      stack.gateway.url,
      HOURLY_TOTAL,
      {},
      bearer(analyst.accessToken),
    );
    return (response.body.data?.eventsByHour ?? []).reduce((sum, b) => sum + b.count, 0);
  };

  beforeAll(async () => {
    stack = await startTestStack(profile);
    analyst = await promoteAnalyst();
    users = await Promise.all([register(stack.gateway.url), register(stack.gateway.url), register(stack.gateway.url)]);
    for (const user of users)
      expect((await track(user, ['page.view', 'page.view', 'upgrade.click'])).body.errors).toBeUndefined();
    // Registrations, sign-ins and the tracked events go through the bus before the page opens.
    await eventually(async () => ((await countedEvents()) >= 9 ? true : undefined), 60_000);
    session = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    page = session.page;
  }, 180_000);
  afterAll(async () => {
    await session?.close();
    await stack?.destroy();
  });

  const number = async (testId: string) =>
    Number((await page.getByTestId(testId).textContent())?.replace(/[^\d.]/g, ''));

  test('headline figures, both charts and the top lists show what users did', async () => {
    // Through the shell: sign in, then the main navigation's Analytics link.
    await signIn(page, siteOf(stack.gateway.url), analyst.email, GOOD_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    expect(new URL(page.url()).pathname).toBe('/analytics');
    await page.getByRole('heading', { name: 'Analyst dashboard' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('dau').filter({ hasText: /^\d+$/ }).waitFor();
    // Four users registered (three plus the analyst): each caused an event today.
    expect(await number('dau')).toBeGreaterThanOrEqual(4);
    expect(await number('mau')).toBeGreaterThanOrEqual(4);
    expect(await number('total-events')).toBeGreaterThanOrEqual(9);

    // Both charts drew a canvas and report a non-zero total in their caption.
    const summaries = page.getByTestId('chart-summary');
    await eventually(async () => ((await summaries.count()) === 2 ? true : undefined));
    for (const summary of await summaries.all()) {
      await summary.filter({ hasText: /total [1-9]/ }).waitFor();
    }
    expect(await page.locator('.nx-chart-canvas canvas').count()).toBeGreaterThanOrEqual(3);
    // The accessible table behind the hourly chart holds the same counts.
    const hourlyRows = page.locator('.nx-chart').first().locator('tbody tr');
    expect(await hourlyRows.count()).toBe(24);

    const topEvents = page.getByRole('region', { name: 'Top events' });
    await topEvents.getByRole('cell', { name: 'page.view', exact: true }).waitFor();
    const pageViews = topEvents.getByRole('row').filter({ hasText: 'page.view' }).getByRole('cell').nth(1);
    expect(await pageViews.textContent()).toBe('6');
    const topUsers = page.getByRole('region', { name: 'Top users' });
    expect(await topUsers.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    await screenshot(page, `analyst-dashboard-${profile.name}`);
  }, 120_000);

  test('the funnel builder keeps 2–10 steps and answers; retention lists today’s cohort', async () => {
    const funnel = page.getByRole('region', { name: 'Funnel' });
    const steps = funnel.locator('ol input');
    // Up to ten steps, down to two, then user.registered → page.view.
    const add = funnel.getByRole('button', { name: 'Add step' });
    while ((await steps.count()) < 10) await add.click();
    expect(await add.isDisabled()).toBe(true);
    for (let step = 10; step > 2; step -= 1) await funnel.getByRole('button', { name: `Remove step ${step}` }).click();
    expect(await steps.count()).toBe(2);
    expect(await funnel.getByRole('button', { name: 'Remove step 2' }).isDisabled()).toBe(true);
    await funnel.getByRole('combobox', { name: 'Step 1' }).fill('user.registered');
    await funnel.getByRole('combobox', { name: 'Step 2' }).fill('page.view');
    await funnel.getByRole('button', { name: 'Run funnel' }).click();
    const result = funnel.getByRole('table', { name: 'Funnel result' });
    await result.waitFor();
    const row = (type: string) => result.getByRole('row').filter({ hasText: type }).getByRole('cell').first();
    expect(Number(await row('user.registered').textContent())).toBeGreaterThanOrEqual(4);
    expect(await row('page.view').textContent()).toBe('3');

    const retention = page.getByRole('region', { name: 'Retention' });
    await retention.getByLabel('Cohort', { exact: true }).selectOption('DAY');
    await retention.locator('tbody tr').first().waitFor();
    expect(await retention.locator('tbody tr td').first().textContent()).toMatch(/^[1-9]\d*$/);
  }, 120_000);

  test('live metrics arrive every second and change as new events come in', async () => {
    const live = page.getByRole('region', { name: /^Live/ });
    const ticks = async () => Number((await live.getByRole('heading').textContent())?.match(/\((\d+) updates\)/)?.[1]);
    await page.getByTestId('live-today-events').filter({ hasText: /^\d+$/ }).waitFor();
    const firstTick = await ticks();
    const before = await number('live-today-events');
    expect(before).toBeGreaterThan(0);

    for (const user of users) await track(user, ['page.view', 'page.view']);
    await eventually(async () => ((await number('live-today-events')) >= before + 6 ? true : undefined), 30_000);
    expect(await ticks()).toBeGreaterThan(firstTick);
    expect(await number('live-today-users')).toBeGreaterThanOrEqual(4);

    // The same view on a phone-sized screen stays usable: nothing wider than the viewport.
    await page.setViewportSize({ width: 390, height: 844 });
    // Elements (outside scrollable tables) whose right edge passes the screen's: none.
    const offenders = async () =>
      (await page.evaluate(`[...document.querySelectorAll('body *')]
      .filter((e) => !e.closest('.nx-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`)) as string[];
    // Charts follow their container through a ResizeObserver: give the layout its turn first.
    await eventually(async () => ((await offenders()).length === 0 ? true : undefined), 5_000).catch(() => undefined);
    expect(await offenders()).toEqual([]);
    await screenshot(page, `analyst-dashboard-phone-${profile.name}`);
  }, 120_000);
});
