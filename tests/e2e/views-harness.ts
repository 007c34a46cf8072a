// What the views' browser tests share: the views' development page served by Vite (proxying /graphql to a
// test stack), Debian's Chromium driven by playwright-core, and signing in through the page's own form.
// When the app shell lands, these tests move to its pages and tests/support/browser.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from '../support/graph-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const ROOT = resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = join(ROOT, 'test-results');

export interface ViewsServer {
  url: string;
  close(): Promise<void>;
}

/** Vite's dev server for clients/web/views-dev.html, in its own process, proxying /graphql to `graphUrl`. */
export async function startViewsServer(graphUrl: string): Promise<ViewsServer> {
  const port = await TcpProxy.freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      '--config',
      join(ROOT, 'clients/web/vite.views-dev.config.ts'),
      '--port',
      String(port),
      '--strictPort',
    ],
    {
      cwd: ROOT,
      // The gateway's origin; the page reaches it through the dev server's proxy.
      env: { ...process.env, NEXUS_URL: new URL(graphUrl).origin },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}/views-dev.html`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`vite exited: ${output}`);
        const response = await fetch(url);
        return response.ok ? true : undefined;
      },
      'the views dev server',
      60_000,
    );
  } catch (error) {
    child.kill();
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    url,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true });
}

/** Signs in through the dev page's form and opens one of the two views. */
export async function signInAndOpen(
  page: Page,
  server: ViewsServer,
  credentials: { email: string; password: string },
  view: 'moderation' | 'analytics',
): Promise<void> {
  await page.goto(`${server.url}#${view}`);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: 60_000 });
}
