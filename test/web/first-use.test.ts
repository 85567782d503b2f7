import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { NAVIGATION } from '../../src/web/layout.tsx';
import { browserUnavailable, logIn, openBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

// What a new user's first visit found: a missing favicon, links a role cannot follow, wide tables
// running off the page.

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
});
after(async () => {
  await ui?.close();
});

/** The same-site links on the page (navigation and content), without query or fragment. */
const linksOf = async (page: Page): Promise<string[]> =>
  page
    .locator('a[href^="/"]')
    .evaluateAll((as) => as.map((a) => (a.getAttribute('href') ?? '').split(/[?#]/)[0] ?? ''));

test('no page asks for a file that is not there (the favicon is served)', { skip }, async () => {
  const b = await openBrowser();
  try {
    const missing: string[] = [];
    b.page.on('response', (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    await logIn(b.page, ui.baseUrl, ui.users.admin, PASSWORD);
    await b.page.goto(`${ui.baseUrl}/customers`);
    const icon = await b.page.request.get(`${ui.baseUrl}/favicon.ico`);
    assert.equal(icon.status(), 200);
    assert.match(icon.headers()['content-type'] ?? '', /^image\//);
    assert.deepEqual(missing, []);
  } finally {
    await b.close();
  }
});

for (const role of ['readOnly', 'orderProcessor'] as const) {
  test(`a ${role} user is shown no link (and a reader no action) that answers 403`, {
    skip,
  }, async () => {
    const b = await openBrowser();
    try {
      await logIn(b.page, ui.baseUrl, ui.users[role], PASSWORD);
      // The navigation's entries for everybody (the admin-only ones are not shown to this role).
      const pages = NAVIGATION.flatMap((g) => g.entries.filter((e) => !e.admin).map((e) => e.href));
      // Two levels: the navigation's pages, then one page of each kind they link to (one
      // customer card stands for all), and every link found on either.
      const shape = (href: string) => href.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, ':id');
      const seen = new Map<string, string>();
      const visited = new Set<string>();
      const visit = async (path: string) => {
        visited.add(shape(path));
        const res = await b.page.goto(`${ui.baseUrl}${path}`);
        if (res?.status() === 403) return `${path} answers 403`;
        for (const href of await linksOf(b.page)) if (!seen.has(href)) seen.set(href, path);
        // A reader is offered no action at all (every one would answer 403).
        if (role === 'readOnly' && (await b.page.locator('main [hx-post]').count()) > 0)
          return `${path} offers an action`;
        return undefined;
      };
      const forbidden: string[] = [];
      for (const path of ['/', ...pages]) {
        const bad = await visit(path);
        if (bad) forbidden.push(bad);
      }
      for (const href of [...seen.keys()]) {
        if (visited.has(shape(href)) || href.startsWith('/ui/')) continue;
        const bad = await visit(href);
        if (bad) forbidden.push(`${bad} (linked from ${seen.get(href)})`);
      }
      assert.ok(visited.size > 30, `the crawl found the pages (${visited.size})`);
      for (const [href, from] of seen) {
        if (visited.has(shape(href))) continue;
        const res = await b.page.request.get(`${ui.baseUrl}${href}`);
        if (res.status() === 403) forbidden.push(`${href} answers 403 (linked from ${from})`);
      }
      assert.deepEqual(forbidden, []);
      assert.equal(await b.page.getByRole('link', { name: 'Assisted setup' }).count(), 0);
    } finally {
      await b.close();
    }
  });
}

test('wide tables scroll inside their card instead of widening the page', { skip }, async () => {
  const b = await openBrowser();
  try {
    await b.page.setViewportSize({ width: 900, height: 800 });
    await logIn(b.page, ui.baseUrl, ui.users.admin, PASSWORD);
    for (const path of [
      '/integration/full-sync',
      '/integration/log',
      '/integration/mappings/CUSTOMER',
    ]) {
      await b.page.goto(`${ui.baseUrl}${path}`);
      const wide = await b.page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.ok(wide <= 0, `${path}: the page is ${wide}px wider than the window`);
    }
  } finally {
    await b.close();
  }
});

test('the run page says a mapping had nothing to do once, not once per pass', {
  skip,
}, async () => {
  const b = await openBrowser();
  try {
    await logIn(b.page, ui.baseUrl, ui.users.admin, PASSWORD);
    await b.page.goto(`${ui.baseUrl}/integration/mappings`);
    const row = b.page.locator('tr', {
      has: b.page.getByRole('cell', { name: 'CUSTOMER', exact: true }),
    });
    await row.getByRole('button', { name: 'Synchronize modified records' }).click();
    await b.page.waitForURL(/\/runs\//);
    await b.page.getByText('Synchronization finished').waitFor();
    const message = (await b.page.getByRole('row', { name: /^CUSTOMER/ }).textContent()) ?? '';
    assert.match(message, /nothing to do/);
    assert.doesNotMatch(message, /nothing to do; nothing to do/);
  } finally {
    await b.close();
  }
});
