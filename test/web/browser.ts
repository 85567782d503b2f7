import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.KOBLING_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('test-results');

/** Why browser tests cannot run here, or undefined when Chromium is available. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `Chromium not found at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
}

/** A headless Chromium with a fresh profile, one per user of a test. */
export interface TestBrowser {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Saves a full-page screenshot as test-results/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'kobling-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    context,
    async shot(name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Logs in through the login page. */
export async function logIn(page: Page, baseUrl: string, username: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/**
 * Why an element cannot be seen at the window's size without scrolling sideways, or undefined
 * when it can: inside the window and not clipped by a card or list that scrolls. A card's
 * horizontal scrollbar sits under its last row, often below the fold on a long table, so a column
 * reachable only that way is as good as cut off.
 */
export async function hiddenSideways(page: Page, selector: string): Promise<string | undefined> {
  const el = page.locator(selector).first();
  await el.waitFor();
  return el.evaluate((e) => {
    const doc = e.ownerDocument.documentElement;
    const view = e.ownerDocument.defaultView!;
    if (doc.scrollWidth > doc.clientWidth)
      return `the page is ${doc.scrollWidth - doc.clientWidth}px wider than the window`;
    const box = e.getBoundingClientRect();
    if (box.left < 0 || box.right > doc.clientWidth + 1)
      return `${box.left}..${box.right} is outside the window (${doc.clientWidth}px)`;
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (view.getComputedStyle(a).overflowX === 'visible') continue;
      const edge = a.getBoundingClientRect();
      if (box.right > edge.right + 1 || box.left < edge.left - 1)
        return `${box.left}..${box.right} is clipped by ${a.tagName.toLowerCase()}.${a.className} (${edge.left}..${edge.right}, ${a.scrollWidth - a.clientWidth}px to scroll)`;
    }
    return undefined;
  });
}
