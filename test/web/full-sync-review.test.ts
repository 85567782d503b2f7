import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { reviewLines, startFullSync } from '../../src/integration/full-sync/full-sync-service.ts';
import { type FullSyncSetting, settledLines, startFullSyncSetting } from '../helpers/full-sync.ts';
import { insertCustomers } from '../helpers/sync-data.ts';
import { browserUnavailable, hiddenSideways, logIn, openBrowser } from './browser.ts';
import { serveFullSyncSetting } from './full-sync-server.ts';
import { PASSWORD } from './ui-fixture.ts';

/** Accepts every confirmation the page asks for, keeping what it asked. */
function acceptDialogs(page: Page): string[] {
  const asked: string[] = [];
  page.on('dialog', (d) => {
    asked.push(d.message());
    void d.accept();
  });
  return asked;
}

// The review page with a real job queue and workers: its counts are today's, a line with failed
// records shows apart from a clean finish, and an admin restarts every line with failures with one
// button, the answer in the flash.

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

const SECRET = 'r'.repeat(40);
let t: FullSyncSetting;
let app: FastifyInstance;
let baseUrl = '';

before(async () => {
  if (skip) return;
  t = await startFullSyncSetting({
    secretKey: SECRET,
    seed: async (fx) => {
      await insertCustomers(fx.db, 5, { number: 'RV', name: 'Review customer', city: 'Oslo' });
    },
  });
  // A line whose record the CRM refuses (an unknown column), on a currency of its own.
  await t.fx.db.query(
    "INSERT INTO erp.currencies (code, display_name) VALUES ('BRK', 'Broken') ON CONFLICT DO NOTHING",
  );
  await t.fx.setMapping({
    ...t.fx.mapping('CURRENCY'),
    name: 'BROKEN1',
    userDefined: true,
    syncOnlyCoupled: false,
    direction: 'ToIntegrationTable',
    dependencyFilter: '',
    erpFilter: [{ field: 'code', op: 'eq', value: 'BRK' }],
    fields: [{ ...t.fx.mapping('CURRENCY').fields[0]!, crmField: 'nosuchcolumn' }],
  });
  ({ app, baseUrl } = await serveFullSyncSetting(t, 'rv'));
  assert.ok((await startFullSync(t.deps, t.boss)).ok);
  const lines = await settledLines(t.deps);
  const broken = lines.find((l) => l.mapping === 'BROKEN1')!;
  assert.equal(broken.status, 'FinishedWithErrors');
  assert.match(broken.message ?? '', /^1 record failed .*`kobling errors --mapping BROKEN1`/);
  assert.equal(lines.find((l) => l.mapping === 'CUSTOMER')?.status, 'Finished');
});
after(async () => {
  await app?.close();
  await t?.close();
});

const row = (page: Page, mapping: string) =>
  page.locator('#full-sync tr', { has: page.getByRole('cell', { name: mapping, exact: true }) });

test('the review counts the records again when it is shown, not only at Start', {
  skip,
}, async () => {
  const counted = (await reviewLines(t.deps)).find((l) => l.mapping === 'CUSTOMER')!;
  await insertCustomers(t.fx.db, 3, { number: 'RW', name: 'Later customer', city: 'Oslo' });
  const b = await openBrowser();
  try {
    await logIn(b.page, baseUrl, 'rv-readOnly', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const text = (await row(b.page, 'CUSTOMER').textContent()) ?? '';
    // Counted at Start: the ERP's customers before the 3 new ones, the CRM's accounts before the
    // 5 the synchronization created.
    const [erp, crm] = [counted.erpCount!, counted.crmCount!];
    assert.match(text, new RegExp(`${erp + 3} / ${crm + erp}`), text);
    assert.equal(await b.page.getByRole('button', { name: 'Restart failed lines' }).count(), 0);
  } finally {
    await b.close();
  }
});

test("at 1400x900 the Restart buttons and a mapping's Transformation column can be reached, and directions read as in the mappings list", {
  skip,
}, async () => {
  const b = await openBrowser();
  try {
    await b.page.setViewportSize({ width: 1400, height: 900 });
    // A line failed by the CRM says so in the CRM's words, with their long type names.
    await t.fx.db.query(
      `UPDATE integration.full_sync_lines SET message = $1 WHERE mapping_name = 'BROKEN1'`,
      [
        "ToIntegrationTable: Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.transactioncurrency' (see https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors)",
      ],
    );
    await logIn(b.page, baseUrl, 'rv-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const customer = row(b.page, 'CUSTOMER');
    await customer.getByRole('cell', { name: 'Both ways', exact: true }).waitFor();
    assert.equal(await b.page.getByRole('cell', { name: 'Bidirectional' }).count(), 0);
    assert.equal(
      await row(b.page, 'BROKEN1')
        .getByRole('cell', { name: 'To Dynamics 365 Sales', exact: true })
        .count(),
      1,
    );
    await b.shot('full-sync-1400');
    assert.equal(
      await hiddenSideways(b.page, '#full-sync button[aria-label="Restart CUSTOMER"]'),
      undefined,
    );
    await b.page.goto(`${baseUrl}/integration/mappings/CUSTOMER`);
    assert.equal(await hiddenSideways(b.page, 'th:text-is("Transformation")'), undefined);
    await b.shot('wide-tables-1400');
  } finally {
    await b.close();
  }
});

test('every status is a badge with a caption that reads: not needed and not started neutral, waiting for parents neutral, queued and running in progress', {
  skip,
}, async () => {
  const lines = ['CONTACT', 'CUSTOMER', 'CURRENCY', 'PAYMENT TERMS'];
  const before = await t.fx.db.query<{ mapping_name: string; status: string }>(
    'SELECT mapping_name, status FROM integration.full_sync_lines WHERE mapping_name = ANY($1)',
    [lines],
  );
  const was = new Map(before.rows.map((r) => [r.mapping_name, r.status]));
  assert.equal(was.get('CONTACT'), 'NotNeeded', 'no contacts on either side');
  const b = await openBrowser();
  const badge = async (mapping: string) => {
    const el = row(b.page, mapping).locator('.badge');
    return [await el.textContent(), await el.getAttribute('class'), await el.getAttribute('title')];
  };
  const set = (mapping: string, status: string) =>
    t.fx.db.query('UPDATE integration.full_sync_lines SET status = $2 WHERE mapping_name = $1', [
      mapping,
      status,
    ]);
  try {
    await logIn(b.page, baseUrl, 'rv-readOnly', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    assert.deepEqual(await badge('CONTACT'), ['Not needed', 'badge muted', 'NotNeeded']);
    // Set by hand (nothing hands these lines to the workers while the page is looked at): a
    // running parent, its pending child waiting for it, a queued line and one not started.
    await set('CUSTOMER', 'Running');
    await set('CONTACT', 'Pending');
    await set('CURRENCY', 'Queued');
    await set('PAYMENT TERMS', 'Pending');
    await b.page.setViewportSize({ width: 1400, height: 900 });
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    assert.deepEqual(await badge('CUSTOMER'), ['Running', 'badge busy', 'Running']);
    assert.deepEqual(await badge('CONTACT'), ['Waiting for parents', 'badge muted', 'Pending']);
    assert.match((await row(b.page, 'CONTACT').textContent()) ?? '', /Waits for CUSTOMER/);
    assert.deepEqual(await badge('CURRENCY'), ['Queued', 'badge busy', 'Queued']);
    assert.deepEqual(await badge('PAYMENT TERMS'), ['Not started', 'badge muted', 'Pending']);
    assert.deepEqual(await badge('BROKEN1'), [
      'Finished · 1 failed',
      'badge warn',
      'FinishedWithErrors',
    ]);
    // Every line's status is a badge: no plain status text left.
    const rows = b.page.locator('#full-sync tbody tr');
    assert.equal(await rows.locator('.badge').count(), await rows.count());
    await b.shot('full-sync-badges');
  } finally {
    await b.close();
    for (const [mapping, status] of was) await set(mapping, status);
  }
});

test('a line with failed records reads as such, not as a plain Finished; an admin restarts every line with failures with one button; the answer shows in the flash and the lines follow live', {
  skip,
}, async () => {
  const b = await openBrowser();
  try {
    await logIn(b.page, baseUrl, 'rv-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const badge = row(b.page, 'BROKEN1').locator('.badge');
    assert.equal(await badge.textContent(), 'Finished · 1 failed');
    assert.equal(await badge.getAttribute('class'), 'badge warn');
    assert.equal(await row(b.page, 'CUSTOMER').locator('.badge.ok').textContent(), 'Finished');
    // Said for the web: the Log's jobs of the mapping (with their errors) and the Restart button,
    // not CLI commands (what happened comes first: an earlier test put the CRM's words there).
    const note = row(b.page, 'BROKEN1').locator('td.wrap');
    assert.match(
      (await note.textContent()) ?? '',
      /\. See the log of BROKEN1 \(each job with its errors\); after the fix .*, or Restart runs the line again\.$/,
    );
    assert.doesNotMatch((await note.textContent()) ?? '', /kobling|`/);
    assert.equal(
      await note.getByRole('link', { name: 'the log of BROKEN1' }).getAttribute('href'),
      '/integration/log?mapping=BROKEN1',
    );
    // The fix, then the button.
    await t.fx.setMapping({ ...t.fx.mapping('BROKEN1'), fields: t.fx.mapping('CURRENCY').fields });
    b.page.on('dialog', (d) => void d.accept());
    await b.page.getByRole('button', { name: 'Restart failed lines' }).click();
    await b.page
      .locator('#flash')
      .getByText('Restarted 1 line with failed records: BROKEN1')
      .waitFor();
    await row(b.page, 'BROKEN1').getByRole('cell', { name: 'Finished', exact: true }).waitFor({
      timeout: 60_000,
    });
    assert.equal(
      (await reviewLines(t.deps)).find((l) => l.mapping === 'BROKEN1')?.status,
      'Finished',
    );
    // None failed now: the button is gone.
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await row(b.page, 'BROKEN1').waitFor();
    assert.equal(await b.page.getByRole('button', { name: 'Restart failed lines' }).count(), 0);
  } finally {
    await b.close();
  }
});

test("with every line finished the review offers no Start, which would do nothing: it says so as the API does and offers each line's Restart, which still works once a restarted line has finished live", {
  skip,
}, async () => {
  const b = await openBrowser();
  const asked = acceptDialogs(b.page);
  const start = b.page.getByRole('button', { name: 'Start', exact: true });
  const why = b.page.locator('#nothing-to-start');
  try {
    await logIn(b.page, baseUrl, 'rv-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await row(b.page, 'CUSTOMER').locator('.badge.ok').waitFor();
    assert.equal(await start.count(), 0, 'no Start with every line finished');
    // What POST …/fullSync/start and the page's Start would answer now: nothing queued.
    const api = await startFullSync(t.deps, t.boss);
    assert.ok(api.ok);
    assert.deepEqual(api.value.queued, []);
    assert.equal((await why.textContent())?.trim(), api.value.message);
    assert.match(
      api.value.message,
      /^Nothing to start: every line has finished or had nothing to synchronize\. Restart a line to run it again\.$/,
    );
    await b.shot('full-sync-all-finished');

    // A line restarted runs and finishes live; then the review is as before, its Restart at work.
    const restart = row(b.page, 'CUSTOMER').getByRole('button', { name: 'Restart CUSTOMER' });
    await restart.click();
    await b.page
      .locator('#flash')
      .getByText('Restarted the full synchronization of CUSTOMER')
      .waitFor();
    // While it runs (or once it is done): no word of lines not started yet, there are none.
    assert.doesNotMatch((await why.textContent()) ?? '', /not started yet/);
    await settledLines(t.deps);
    // Shown again when the line is done: still nothing to start.
    await b.page
      .locator('#nothing-to-start', { hasText: /^\s*Nothing to start: every line has finished/ })
      .waitFor({ timeout: 60_000 });
    assert.equal(await start.count(), 0);
    await b.page.evaluate("document.getElementById('flash').innerHTML = ''");
    await row(b.page, 'CUSTOMER').getByRole('button', { name: 'Restart CUSTOMER' }).click();
    await b.page
      .locator('#flash')
      .getByText('Restarted the full synchronization of CUSTOMER')
      .waitFor();
    assert.equal(asked.length, 2, asked.join('\n'));
    await settledLines(t.deps);
  } finally {
    await b.close();
  }
});

test("a line's Restart asks first, naming the line; its answer, and Start's, stay in the flash while the lines run and finish (no reload takes them away)", {
  skip,
}, async () => {
  const b = await openBrowser();
  const asked = acceptDialogs(b.page);
  const flash = b.page.locator('#flash');
  try {
    await logIn(b.page, baseUrl, 'rv-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await row(b.page, 'CUSTOMER').getByRole('button', { name: 'Restart CUSTOMER' }).click();
    await flash.getByText('Restarted the full synchronization of CUSTOMER').waitFor();
    assert.deepEqual(asked, ['Restart the full synchronization of CUSTOMER?']);
    // The line runs again and finishes, followed live beside the message.
    await settledLines(t.deps);
    await row(b.page, 'CUSTOMER').locator('.badge.ok').waitFor({ timeout: 60_000 });
    assert.equal(
      await flash.getByText('Restarted the full synchronization of CUSTOMER').isVisible(),
      true,
      'the message is still there once the line has finished',
    );

    // With every line finished Start has nothing to queue; without lines it queues them all.
    await t.fx.db.query('DELETE FROM integration.full_sync_lines');
    // Before the first Start the review lists the lines Start would write, not started, and
    // stores none of them (a stored Pending line would be started by the scheduler's tick).
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const hint = b.page.locator('#full-sync-review p.hint');
    assert.match(
      (await hint.textContent()) ?? '',
      /^\s*No full synchronization has been started yet\. These are the lines Start would hand\s+to the workers, each with its recommendation from both sides' records counted now; nothing\s+runs until it is pressed\.\s*$/,
    );
    assert.equal(await hint.locator('em').textContent(), 'Start', 'emphasized, no asterisks');
    const customer = row(b.page, 'CUSTOMER');
    assert.deepEqual(
      [
        await customer.locator('.badge').textContent(),
        await customer.locator('.badge').getAttribute('title'),
      ],
      ['Not started', 'NotStarted'],
    );
    const text = (await customer.textContent()) ?? '';
    assert.match(text, /Both ways/);
    assert.match(text, /Couple records/, 'customers on both sides by now');
    assert.match(text, /\d+ \/ \d+/);
    assert.match(text, /Starts after \S/);
    assert.equal(await customer.getByRole('button').count(), 0, 'nothing to restart');
    const stored = () => t.fx.db.query('SELECT 1 FROM integration.full_sync_lines');
    assert.equal((await stored()).rowCount, 0, 'the page stores no line');
    // The CRM unreachable: the page says the lines could not be worked out, not "no lines".
    const url = await t.fx.db.query<{ crm_url: string }>(
      'SELECT crm_url FROM integration.connection',
    );
    await t.fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9/'");
    try {
      await b.page.goto(`${baseUrl}/integration/full-sync`);
      assert.match(
        (await b.page.locator('#full-sync-review .banner.warning').textContent()) ?? '',
        /The lines of the full synchronization could not be worked out: the CRM at 127\.0\.0\.1:9 is not reachable \(bad port\)\. Nothing has been started; reload this page to count again\.$/s,
      );
      assert.equal(await b.page.locator('#full-sync tbody tr').count(), 0);
    } finally {
      await t.fx.db.query('UPDATE integration.connection SET crm_url = $1', [url.rows[0]!.crm_url]);
    }
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await b.shot('full-sync-not-started');
    await b.page.getByRole('button', { name: 'Start', exact: true }).click();
    await flash.getByText(/^Full synchronization started: \d+ lines? queued/).waitFor();
    assert.equal(asked[1], 'Start the full synchronization of every mapping?');
    await settledLines(t.deps);
    await row(b.page, 'CUSTOMER').locator('.badge.ok').waitFor({ timeout: 60_000 });
    await b.page.locator('#full-sync .badge.busy').waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal(
      await flash.getByText(/^Full synchronization started/).isVisible(),
      true,
      'the start message is still there once every line has finished',
    );
    await b.shot('full-sync-start-flash');
  } finally {
    await b.close();
  }
});

test('Restart and Start say they are at work while the lines are counted (disabled, "Restarting…", "Starting…"); a CRM that does not answer, or a server that does not, is said in the flash', {
  skip,
}, async () => {
  const b = await openBrowser();
  const asked = acceptDialogs(b.page);
  const flash = b.page.locator('#flash');
  const crmUrl = (
    await t.fx.db.query<{ crm_url: string }>('SELECT crm_url FROM integration.connection')
  ).rows[0]!.crm_url;
  const unreachable = () =>
    t.fx.db.query("UPDATE integration.connection SET crm_url = 'http://127.0.0.1:9/'");
  const reachable = () => t.fx.db.query('UPDATE integration.connection SET crm_url = $1', [crmUrl]);
  // Each CRM request of the count takes 1.5 s: the request is seen in flight.
  const slowCrm = () => t.fx.emulator.setFaults({ rate: 0, latencyMs: 1500 });
  const quickCrm = () => t.fx.emulator.setFaults(undefined);
  try {
    await logIn(b.page, baseUrl, 'rv-admin', PASSWORD);
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const restart = row(b.page, 'CUSTOMER').getByRole('button', { name: 'Restart CUSTOMER' });
    // What shows: the label at rest, the busy text while the request is in flight.
    const shows = async (button: typeof restart) =>
      (await button.locator('.when-idle').isVisible())
        ? await button.locator('.when-idle').textContent()
        : (await button.locator('.when-busy').isVisible())
          ? await button.locator('.when-busy').textContent()
          : undefined;
    assert.equal(await shows(restart), 'Restart');
    slowCrm();
    await restart.click();
    await row(b.page, 'CUSTOMER').getByText('Restarting…', { exact: true }).waitFor();
    assert.equal(await restart.isDisabled(), true, 'disabled while the request runs');
    assert.equal(await shows(restart), 'Restarting…');
    await b.shot('full-sync-restarting');
    // The workers' own run of the line needs no slow CRM.
    quickCrm();
    await flash.getByText('Restarted the full synchronization of CUSTOMER').waitFor();
    await settledLines(t.deps);

    // The CRM gone: the answer says so in the flash, and the button is back to be pressed again.
    await unreachable();
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const again = row(b.page, 'CUSTOMER').getByRole('button', { name: 'Restart CUSTOMER' });
    await again.click();
    const error = flash.locator('.banner.error');
    await error.waitFor();
    assert.match(
      (await error.textContent()) ?? '',
      /^Trouble with Dynamics 365 SalesNothing restarted: the CRM at 127\.0\.0\.1:9 is not reachable \(bad port\)$/,
    );
    assert.equal(await again.isDisabled(), false);
    assert.equal(await shows(again), 'Restart');

    // Before the first Start, the same for Start.
    await t.fx.db.query('DELETE FROM integration.full_sync_lines');
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    const start = b.page.getByRole('button', { name: 'Start', exact: true });
    await start.click();
    await flash
      .locator('.banner.error', {
        hasText: /Nothing started: the CRM at 127\.0\.0\.1:9 is not reachable \(bad port\)$/,
      })
      .waitFor();
    assert.equal(await start.isDisabled(), false);
    await reachable();

    // A server that does not answer at all: said, not nothing.
    await b.page.goto(`${baseUrl}/integration/full-sync`);
    await b.page.route('**/integration/full-sync/start', (r) => r.abort('connectionrefused'));
    await start.click();
    await flash.locator('.banner.error', { hasText: /^No answer from Kobling/ }).waitFor();
    assert.equal(await start.isDisabled(), false);
    await b.page.unroute('**/integration/full-sync/start');

    slowCrm();
    await start.click();
    const starting = b.page.getByRole('button', { name: 'Starting…', exact: true });
    await starting.waitFor();
    assert.equal(await starting.isDisabled(), true);
    quickCrm();
    await flash.getByText(/^Full synchronization started: \d+ lines? queued/).waitFor();
    assert.equal(asked.length, 5, asked.join('\n'));
    await settledLines(t.deps);
  } finally {
    quickCrm();
    await reachable();
    await b.close();
  }
});
