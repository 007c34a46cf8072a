import { rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createCompanion, send, startConversation } from '../support/chat.js';
import { dropRunDatabases, launchGraph, runPrefixes, type GraphProcess } from '../support/graph-process.js';
import { GOOD_PASSWORD, register, type Account } from '../support/http.js';
import { profiles } from '../support/profiles.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { embeddedDataDir } from '../support/data-dir.js';
import type { Page } from 'playwright-core';
import {
  describeWithBrowser,
  launchBrowser,
  screenshot,
  signIn,
  siteOf,
  type BrowserSession,
} from '../support/browser.js';

const SET_UP_MS = 180_000;
/** Records every distinct text the streaming reply shows, as the page renders it, in window.renders. */
const RECORD_RENDERS = `(() => {
  const seen = [];
  window.renders = seen;
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid="streaming-reply"]')?.textContent ?? '';
    if (text && text !== seen[seen.length - 1]) seen.push(text);
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

/** Presses GraphiQL's run button once its editor shows the operation, then waits for `expected` in the result. */
async function runInGraphiQL(page: Page, operationText: string, expected: string): Promise<void> {
  const editorShows = (selector: string, text: string) =>
    `document.querySelector(${JSON.stringify(selector)})?.innerText.includes(${JSON.stringify(text)})`;
  await page.waitForFunction(editorShows('.graphiql-query-editor', operationText), undefined, { timeout: 60_000 });
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(editorShows('.graphiql-response', expected), undefined, { timeout: 60_000 });
}

/**
 * The built web app and GraphiQL, served by a real `npm start` graph and driven in headless
 * Chromium: what a user sees, on both profiles.
 */
describeWithBrowser.each(profiles())('web app and GraphiQL in a browser ($name profile)', (profile) => {
  const prefixes = runPrefixes();
  const dataDir = embeddedDataDir('nexus-web');
  let graph: GraphProcess;
  let site: string;
  let user: Account;
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    // Slow enough that a reply takes a few seconds, so its growth is observable.
    graph = await launchGraph({ ...profile.env, ...prefixes, DATA_DIR: dataDir, OFFLINE_TOKENS_PER_SECOND: '12' });
    site = siteOf(graph.gatewayUrl);
    user = await register(graph.gatewayUrl, { displayName: 'Ada' });
    await createCompanion(graph.gatewayUrl, user.accessToken, { name: 'Luna' });
  }, SET_UP_MS);

  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  afterAll(async () => {
    await graph?.stop();
    if (profile.env.DATABASE_URL) await dropRunDatabases(profile.env.DATABASE_URL, prefixes.DATABASE_PREFIX!);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('the gateway serves the app: year-long immutable assets, no-cache HTML, app routes, no traversal', async () => {
    const index = await fetch(`${site}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${site}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    // The app's initial JavaScript (entry plus preloaded chunks) stays within 250 KB gzipped; GraphiQL is apart.
    let initialGzip = 0;
    for (const [, path] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)) {
      initialGzip += gzipSync(Buffer.from(await (await fetch(`${site}${path}`)).arrayBuffer())).length;
    }
    expect(initialGzip).toBeGreaterThan(0);
    expect(initialGzip).toBeLessThanOrEqual(250 * 1024);
    expect(html).not.toContain('graphiql');

    const route = await fetch(`${site}/moderation`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);

    for (const path of ['/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/missing.js']) {
      expect((await fetch(`${site}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${site}/package.json`)).status).toBe(404);

    // GraphQL over HTTP is untouched; only a browser asking for HTML gets GraphiQL.
    const api = await fetch(`${graph.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
    const graphiql = await fetch(graph.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('GraphiQL');
  });

  test('a reply appears token by token, then stays as the stored message', async () => {
    session = await launchBrowser();
    const { page } = session;
    await signIn(page, site, user.email, GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Chat with Luna' }).click();
    await page.getByLabel('Message').fill('Tell me about the rings of Saturn');
    // Every text the streaming reply shows, as the page renders it.
    // (A script string: the tests compile without the DOM library.)
    await page.evaluate(RECORD_RENDERS);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('streaming-reply').waitFor({ timeout: 30_000 });
    await screenshot(page, `chat-streaming-${profile.name}`);
    await page.getByTestId('streaming-reply').waitFor({ state: 'detached', timeout: 60_000 });

    const renders = (await page.evaluate('window.renders')) as string[];
    expect(renders.length).toBeGreaterThanOrEqual(3);
    // Each render extends the one before: the text grows, it is never replaced or repeated.
    for (let i = 1; i < renders.length; i += 1) expect(renders[i]!.startsWith(renders[i - 1]!)).toBe(true);
    const last = renders[renders.length - 1]!;
    await page.locator('.message.theirs', { hasText: last.slice(0, 40) }).waitFor();
    await screenshot(page, `chat-${profile.name}`);
  });

  test('a dropped socket mid-reply resumes with fromIndex: the text neither stops nor repeats', async () => {
    // The browser reaches the gateway through a proxy whose connections the test cuts.
    const gatewayPort = Number(new URL(graph.gatewayUrl).port);
    const proxy = new TcpProxy(await TcpProxy.freePort(), { host: '127.0.0.1', port: gatewayPort });
    await proxy.up();
    try {
      const proxied = `http://127.0.0.1:${proxy.port}`;
      session = await launchBrowser();
      const { page } = session;
      await signIn(page, proxied, user.email, GOOD_PASSWORD);
      await page.getByRole('button', { name: 'Chat with Luna' }).click();
      await page.getByLabel('Message').fill('Tell me about the moons of Jupiter');
      await page.evaluate(RECORD_RENDERS);
      await page.getByRole('button', { name: 'Send' }).click();
      await page
        .waitForFunction(`(window.renders ?? []).length >= 2`, undefined, { timeout: 60_000 })
        .catch(async (error: unknown) => {
          await screenshot(page, `drop-before-${profile.name}`);
          throw error;
        });
      await proxy.down(); // every socket cut, as a network drop would
      const beforeDrop = ((await page.evaluate('window.renders')) as string[]).length;
      await proxy.up();
      await page.getByTestId('streaming-reply').waitFor({ state: 'detached', timeout: 60_000 });

      const renders = (await page.evaluate('window.renders')) as string[];
      expect(renders.length).toBeGreaterThan(beforeDrop);
      for (let i = 1; i < renders.length; i += 1) expect(renders[i]!.startsWith(renders[i - 1]!)).toBe(true);
      // The stored reply, shown once streaming ends, is exactly the text streamed.
      const stored = await page.locator('.message.theirs .text').last().innerText();
      expect(stored.trim()).toBe(renders[renders.length - 1]!.trim());
    } finally {
      await proxy.down();
    }
  });

  test('Stop reply cancels a streaming reply: the text so far stays, marked stopped', async () => {
    session = await launchBrowser();
    const { page } = session;
    await signIn(page, site, user.email, GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Chat with Luna' }).click();
    await page.getByLabel('Message').fill('Tell me a long story about comets');
    await page.evaluate(RECORD_RENDERS);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForFunction(`(window.renders ?? []).length >= 2`, undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Stop reply' }).click();
    await page.getByTestId('streaming-reply').waitFor({ state: 'detached', timeout: 60_000 });
    const reply = page.locator('.message.theirs').last();
    await reply.getByText('(stopped)').waitFor();
    const renders = (await page.evaluate('window.renders')) as string[];
    expect((await reply.locator('.text').innerText()).startsWith(renders[0]!.trim())).toBe(true);
    await page.getByRole('button', { name: 'Send' }).waitFor();
  });

  test('sign out forgets the session; the app asks to sign in again', async () => {
    session = await launchBrowser({ viewport: { width: 390, height: 844 } });
    const { page } = session;
    await signIn(page, site, user.email, GOOD_PASSWORD);
    await screenshot(page, `phone-${profile.name}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto(`${site}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('nexus.session'))).toBeNull();
  });

  test('without billing configured, Upgrade explains that upgrades are not available and goes away', async () => {
    session = await launchBrowser();
    const { page } = session;
    await signIn(page, site, user.email, GOOD_PASSWORD);
    const panel = page.getByRole('region', { name: 'Plan: FREE' });
    await panel.getByRole('button', { name: 'Upgrade' }).click();
    await panel.getByRole('status').filter({ hasText: 'Upgrades are not available on this deployment.' }).waitFor();
    expect(await panel.getByRole('button', { name: 'Upgrade' }).count()).toBe(0);
    expect(await panel.getByRole('alert').count()).toBe(0);
    expect(new URL(page.url()).origin).toBe(site);
  });

  test('GraphiQL works with the network cut off: a query and a subscription', async () => {
    session = await launchBrowser({ offline: true });
    const { page } = session;
    const blocked: string[] = [];
    page.on('requestfailed', (request) => blocked.push(request.url()));
    // Signing in to the app gives GraphiQL its token (the headers editor starts with it).
    await signIn(page, site, user.email, GOOD_PASSWORD);

    await page.goto(`${graph.gatewayUrl}?query=${encodeURIComponent('query Me { me { displayName } }')}`);
    await runInGraphiQL(page, 'displayName', 'Ada');
    await screenshot(page, `graphiql-query-${profile.name}`);

    const companion = await createCompanion(graph.gatewayUrl, user.accessToken, { name: 'Orion' });
    const conversation = await startConversation(graph.gatewayUrl, user.accessToken, companion);
    const sent = await send(graph.gatewayUrl, user.accessToken, conversation, 'Tell me about Orion');
    const replyId = sent.body.data!.sendMessage.reply.id;
    const subscription = `subscription Reply { replyStream(messageId: "${replyId}") { index done message { status } } }`;
    await page.goto(`${site}/graphiql?query=${encodeURIComponent(subscription)}`);
    await runInGraphiQL(page, 'replyStream', 'COMPLETE');
    await screenshot(page, `graphiql-subscription-${profile.name}`);

    expect(blocked.filter((url) => !url.startsWith(site) && !url.startsWith('ws://127.0.0.1'))).toEqual([]);
  });
});
