import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); nothing here ever downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = 'test-results';

/** True when the browser tests can run. In CI a missing Chromium is a failure, never a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: .ci/run installs it (apt chromium)`);
  return false;
}

/** `describe` when Chromium exists here, `describe.skip` otherwise (outside CI only). */
export const describeWithBrowser: jest.Describe = chromiumAvailable() ? describe : describe.skip;

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, no background traffic, and a phone- or desk-sized page.
 * `offline: true` aborts every request that does not go to 127.0.0.1, so a page that needs the
 * internet fails visibly instead of quietly using it.
 */
export async function launchBrowser(
  options: { offline?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<BrowserSession> {
  const profileDir = mkdtempSync(join(tmpdir(), 'nexus-chromium-'));
  // A persistent context on a fresh, throw-away profile directory (playwright's way to pass one).
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  if (options.offline) {
    await context.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' ? route.continue() : route.abort('internetdisconnected');
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** The gateway's origin (`http://127.0.0.1:PORT`) from its /graphql URL. */
export function siteOf(gatewayUrl: string): string {
  return new URL(gatewayUrl).origin;
}

/** Signs in through the web app's form and waits until the signed-in shell shows. */
export async function signIn(page: Page, site: string, email: string, password: string): Promise<void> {
  await page.goto(`${site}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
}

/** Writes `test-results/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
