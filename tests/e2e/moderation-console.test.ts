// The moderator console in a real browser, in the web app the gateway serves: a moderator sees a message
// waiting for review, rejects it with an action and reason, and its author's chat then shows it as
// blocked; an action they may not take shows its stable code (FORBIDDEN/OWN_CONTENT).
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { bearer, gql, GOOD_PASSWORD, register, type Account } from '../support/http.js';
import { eventually, promote } from '../support/moderation.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';
import {
  describeWithBrowser,
  launchBrowser,
  screenshot,
  signIn,
  siteOf,
  type BrowserSession,
} from '../support/browser.js';

/** Two swear words: the local classifier sends this to the human queue (docs/moderation.md). */
const REVIEW_TEXT = 'what the fuck is this shit';
const MESSAGE = `query($id: ID!) { message(id: $id) { id status content } }`;

/** Signs in through the shell's form and opens the console from the main navigation, as a moderator would. */
async function openConsole(page: Page, site: string, email: string): Promise<void> {
  await signIn(page, site, email, GOOD_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' }).click();
  await page.getByRole('heading', { name: 'Moderator console' }).waitFor({ timeout: 60_000 });
}

describeWithBrowser.each(profiles())('moderator console in the web app ($name profile)', (profile) => {
  let stack: TestStack;
  let site: string;
  let session: BrowserSession;
  let page: Page;
  let moderator: Account;
  let author: Account;
  /** The case and message the first test rejects; the appeal test takes them up. */
  let rejected: { caseId: string; messageId: string } | undefined;

  beforeAll(async () => {
    stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '1000' });
    [moderator, author] = await Promise.all([promote(stack, 'MODERATOR'), register(stack.gateway.url)]);
    site = siteOf(stack.gateway.url);
    session = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    page = session.page;
  }, 180_000);
  afterAll(async () => {
    await session?.close();
    await stack?.destroy();
  });

  const readMessage = async (id: string) =>
    (
      await gql<{ message: { id: string; status: string; content: string } | null }>(
        stack.gateway.url,
        MESSAGE,
        { id },
        bearer(author.accessToken),
      )
    ).body.data?.message ?? null;

  test('a message waiting for review appears live; the moderator rejects it; its author sees it blocked', async () => {
    const url = stack.gateway.url;
    await openConsole(page, site, moderator.email);
    expect(new URL(page.url()).pathname).toBe('/moderation');
    await page.getByText(/^Live \(\d+ updates\)/).waitFor();

    // Sent after the console is open: it must arrive through moderationQueueUpdates, with no reload.
    const companion = await createCompanion(url, author.accessToken);
    const conversation = await startConversation(url, author.accessToken, companion);
    const sent = await send(url, author.accessToken, conversation, REVIEW_TEXT);
    const messageId = sent.body.data!.sendMessage.message.id;
    const item = page.locator('.nx-queue-item', { hasText: REVIEW_TEXT });
    await item.waitFor({ timeout: 60_000 });
    const caseId = (await item.getAttribute('data-case-id'))!;
    await item.click();

    const detail = page.locator('.nx-case-detail');
    await detail.locator('.nx-content').waitFor();
    expect(await detail.locator('.nx-content').textContent()).toBe(REVIEW_TEXT);
    await detail.getByRole('button', { name: 'Claim' }).click();
    await detail.getByText(/until/).first().waitFor();

    await detail.getByLabel('Action').selectOption('WARN_USER');
    await detail.getByLabel('Reason (shown to the author)').fill('Abusive language');
    await detail.getByLabel('Internal note (optional)').fill('Second warning this week');
    await screenshot(page, `moderation-console-${profile.name}`);
    await detail.getByRole('button', { name: 'Reject' }).click();

    // The outcome, or the refusal the console shows (so a failure names its code).
    const outcome = page.getByRole('status').filter({ hasText: 'Case rejected' }).or(page.getByRole('alert'));
    await outcome.first().waitFor();
    expect(await outcome.first().textContent()).toBe('Case rejected (WARN_USER).');
    await item.waitFor({ state: 'detached' });

    // The author opens their conversation in the shell's chat and sees the message as blocked, its text withheld.
    await eventually(async () => ((await readMessage(messageId))?.status === 'BLOCKED' ? true : undefined));
    const authorSession = await launchBrowser();
    try {
      await signIn(authorSession.page, site, author.email, GOOD_PASSWORD);
      await authorSession.page
        .getByRole('region', { name: 'Conversations' })
        .getByRole('button', { name: 'Luna' })
        .click();
      const shown = authorSession.page.locator('li.message.blocked');
      await shown.waitFor({ timeout: 60_000 });
      expect(await shown.textContent()).toBe(
        'Blocked. This message was blocked by moderation and was not sent to the companion.',
      );
      expect(await authorSession.page.getByText(REVIEW_TEXT).count()).toBe(0);
      await screenshot(authorSession.page, `moderation-author-blocked-${profile.name}`);
    } finally {
      await authorSession.close();
    }
    rejected = { caseId, messageId };
  }, 180_000);

  test('the author appeals; another moderator sees it live, adds a note and overturns it; the message is back', async () => {
    expect(rejected).toBeDefined();
    const { caseId, messageId } = rejected!;
    const second = await promote(stack, 'MODERATOR');
    const phone = await launchBrowser({ viewport: { width: 390, height: 844 } });
    const page2 = phone.page;
    try {
      await openConsole(page2, site, second.email);
      await page2.getByText(/^Live \(\d+ updates\)/).waitFor({ timeout: 60_000 });
      // The feed only carries what happens after the socket subscribed: queue staff-submitted cases until
      // one reaches this page live (the counter counts subscription events only), then appeal.
      const liveCount = async () =>
        Number((await page2.locator('.nx-live').textContent())?.match(/Live \((\d+) updates\)/)?.[1] ?? 0);
      await eventually(async () => {
        if ((await liveCount()) > 0) return true;
        await gql(
          stack.gateway.url,
          'mutation($input: ModerateContentInput!) { moderateContent(input: $input) { id } }',
          { input: { contentType: 'MESSAGE', contentId: randomUUID(), authorId: author.id, text: REVIEW_TEXT } },
          bearer(moderator.accessToken),
        );
        return page2
          .locator('.nx-live')
          .filter({ hasText: /Live \([1-9]\d* updates\)/ })
          .waitFor({ timeout: 3_000 })
          .then(() => true)
          .catch(() => undefined);
      }, 60_000);
      const appealed = await gql(
        stack.gateway.url,
        'mutation($id: ID!, $reason: String!) { appealDecision(caseId: $id, reason: $reason) { status } }',
        { id: caseId, reason: 'I was quoting a film' },
        bearer(author.accessToken),
      );
      expect(appealed.body.errors).toBeUndefined();

      const item = page2.locator(`.nx-queue-item[data-case-id="${caseId}"]`);
      await item.waitFor({ timeout: 60_000 });
      expect(await item.locator('.nx-status').textContent()).toBe('APPEALED');
      await item.click();
      const detail = page2.locator('.nx-case-detail');
      await detail.getByText('I was quoting a film').waitFor();
      // An appealed case is resolved, not approved or rejected again.
      expect(await detail.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);

      await detail.getByLabel('New note').fill('Context checks out');
      await detail.getByRole('button', { name: 'Add note' }).click();
      await detail.locator('.nx-notes li', { hasText: 'Context checks out' }).waitFor();
      await screenshot(page2, `moderation-console-appeal-phone-${profile.name}`);

      await detail.getByRole('button', { name: 'Overturn (approve)' }).click();
      const outcome = page2.getByRole('status').filter({ hasText: 'Appeal' }).or(page2.getByRole('alert'));
      await outcome.first().waitFor();
      expect(await outcome.first().textContent()).toBe('Appeal granted: the content is approved.');
      await item.waitFor({ state: 'detached' });
      // Restoring goes through moderation.reversed on the bus to the companions subgraph.
      const restored = await eventually(async () => {
        const message = await readMessage(messageId);
        return message?.status !== 'BLOCKED' ? message : undefined;
      }, 90_000);
      expect(restored).toEqual({ id: messageId, status: 'COMPLETE', content: REVIEW_TEXT });
    } catch (error) {
      await screenshot(page2, `moderation-console-appeal-failed-${profile.name}`);
      throw error;
    } finally {
      await phone.close();
    }
  }, 180_000);

  test('a refused action shows its stable code and a plain sentence: a moderator may not judge their own message', async () => {
    const url = stack.gateway.url;
    const companion = await createCompanion(url, moderator.accessToken);
    const conversation = await startConversation(url, moderator.accessToken, companion);
    const own = `${REVIEW_TEXT}, said the moderator`;
    await send(url, moderator.accessToken, conversation, own);
    const item = page.locator('.nx-queue-item', { hasText: own });
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    await page.locator('.nx-case-detail').getByRole('button', { name: 'Claim' }).click();

    const alert = page.locator('[role="alert"][data-code="FORBIDDEN/OWN_CONTENT"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('You cannot act on your own content.');
    await screenshot(page, `moderation-console-error-${profile.name}`);
    // Dismissable, and the case is still there for another moderator.
    await alert.getByRole('button', { name: 'Dismiss error' }).click();
    await alert.waitFor({ state: 'detached' });
    expect(await item.count()).toBe(1);
  }, 180_000);
});
