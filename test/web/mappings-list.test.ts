import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import {
  browserUnavailable,
  hiddenSideways,
  logIn,
  openBrowser,
  type TestBrowser,
} from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

// The table mappings list on a 1400-px laptop: it was 1,477 px wide at a 1,400-px window, so every
// column after the run's result sat behind a sideways scroll. It fits now, with nothing left out.

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  // Runs on the demo company, so the Last run and Last result columns have values, and a CRM → ERP
  // pass that fails as a whole (a change-tracking link the CRM does not know) with the CRM's words.
  for (const name of ['CURRENCY', 'PAYMENT TERMS', 'SALESPEOPLE'])
    await runMapping(ui.fx.ctx, ui.fx.mapping(name), { trigger: 'manual' });
  await ui.db.query(
    "UPDATE integration.table_mappings SET crm_watermark = $1 || '/api/data/v9.2/accounts?$deltatoken=nonsense' WHERE name = 'CUSTOMER'",
    [ui.fx.emulator.baseUrl],
  );
  const run = await runMapping(ui.fx.ctx, ui.fx.mapping('CUSTOMER'), { trigger: 'manual' });
  assert.equal(run.find((r) => r.direction === 'FromIntegrationTable')?.status, 'failed');
  admin = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
});
after(async () => {
  await admin?.close();
  await ui?.close();
});

/** How far the page and the list reach past the window and past the list's own box. */
const overflow = (page: Page) =>
  page.locator('#mappings').evaluate((list) => {
    const doc = list.ownerDocument.documentElement;
    return {
      page: doc.scrollWidth - doc.clientWidth,
      list: list.scrollWidth - list.clientWidth,
      table: Math.round(list.querySelector('table')?.getBoundingClientRect().width ?? 0),
    };
  });

for (const [width, height] of [
  [1400, 900],
  [1920, 1080],
] as const) {
  test(`at ${width}x${height} the table mappings list fits the window with every column and action`, {
    skip,
  }, async () => {
    const { page } = admin;
    await page.setViewportSize({ width, height });
    await page.goto(`${ui.baseUrl}/integration/mappings`);
    const customer = page.getByRole('row', { name: /^CUSTOMER/ });
    await customer.waitFor();
    await admin.shot(`table-mappings-${width}`);
    const sizes = await overflow(page);
    assert.ok(
      sizes.page <= 0 && sizes.list <= 0,
      `wider than the window: ${JSON.stringify(sizes)}`,
    );

    // Every column is still there, a short caption saying in its title what it counts.
    const captions = await page.locator('#mappings thead th').evaluateAll((ths) =>
      ths.map((th) => ({
        text: (th.textContent ?? '').trim(),
        title: th.querySelector('abbr')?.getAttribute('title') ?? '',
      })),
    );
    const texts = captions.map((c) => c.text);
    for (const c of ['Name', 'ERP table', 'Real-time', 'Last run', 'Last result', 'Skipped'])
      assert.ok(texts.includes(c), `${c} in ${texts.join(', ')}`);
    const failures = captions.find((c) => c.title.includes('Record failures'));
    assert.ok(failures, `a caption says it counts record failures: ${JSON.stringify(captions)}`);

    // The failed pass reads whole (the CRM's message wraps in its cell) and the last row's last
    // action is in sight.
    const cells = await customer.locator('td').allTextContents();
    const result = cells[texts.indexOf('Last result')] ?? '';
    assert.match(result, /CRM → ERP failed/);
    const message = (
      await ui.db.query<{ message: string }>(
        "SELECT message FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER' AND status = 'failed'",
      )
    ).rows[0]!.message;
    assert.ok(result.includes(message), `${result} shows ${message}`);
    assert.equal(
      await hiddenSideways(page, '#mappings tbody tr:last-child td:last-child button:last-child'),
      undefined,
    );
    assert.equal(
      await hiddenSideways(page, '#mappings tbody tr:first-child td:last-child'),
      undefined,
    );
  });
}
