import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateLines } from '../../src/integration/full-sync/full-sync-service.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;

before(async () => {
  if (skip) return;
  ui = await startUiFixture({ connect: false });
  admin = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
});
after(async () => {
  await admin?.close();
  await ui?.close();
});

test('assisted setup: connect, test, choose, enable and run a full synchronization with live progress', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/setup/assisted`);
  await page.getByLabel('Dynamics 365 Sales URL').fill(ui.connection.crmUrl);
  await page.getByLabel(/Authority/).fill(ui.connection.authorityUrl);
  await page.getByLabel('Tenant id').fill(ui.connection.tenantId);
  await page.getByLabel('Client id').fill(ui.connection.clientId);
  await page.getByLabel(/^Client secret/).fill('not the secret');
  await page.getByRole('button', { name: 'Save and test the connection' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText(/Sign-in refused: the client secret is wrong/)
    .waitFor();
  await page.getByLabel(/^Client secret/).fill(ui.connection.clientSecret);
  await page.getByRole('button', { name: 'Save and test the connection' }).click();
  await page.locator('#flash').getByText('The connection works').waitFor();
  await admin.shot('assisted-setup-connect');
  await page.getByRole('link', { name: /Continue: choose what to synchronize/ }).click();
  await page.getByRole('heading', { name: 'Switches' }).waitFor();
  await admin.shot('assisted-setup-choose');
  await page.getByLabel('SALESORDER-ORDER').uncheck();
  await page.getByRole('button', { name: 'Enable the integration and continue' }).click();
  await page.waitForURL(/step=3/);
  const order = await ui.db.query<{ job_enabled: boolean }>(
    "SELECT job_enabled FROM integration.table_mappings WHERE name = 'SALESORDER-ORDER'",
  );
  assert.equal(order.rows[0]?.job_enabled, false, 'the choice switched that job off');
  await page.getByRole('button', { name: 'Run full synchronization' }).click();
  await page.waitForURL(/\/runs\//);
  await page.getByText('Running').or(page.getByText('Synchronization finished')).first().waitFor();
  await admin.shot('full-synchronization-running');
  await page
    .getByText(/Synchronization finished|had records that failed/)
    .waitFor({ timeout: 120_000 });
  await admin.shot('full-synchronization');
  const coupled = await ui.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'ITEM-PRODUCT' AND state = 'coupled'",
  );
  assert.equal(coupled.rows[0]!.n, 30, 'every item is now a product in Dynamics 365 Sales');
  const line = page.getByRole('row', { name: /ITEM-PRODUCT/ });
  assert.match((await line.textContent()) ?? '', /Finished.*30/);
});

test('connection setup: switches and scheduled jobs, a bad interval is refused readably', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/setup/connection`);
  assert.match((await page.locator('main').textContent()) ?? '', /Enabled/);
  const interval = page.getByLabel('Interval of CUSTOMER in minutes', { exact: true });
  await interval.fill('45');
  await page.getByRole('button', { name: 'Save the job of CUSTOMER', exact: true }).click();
  await page.locator('#flash').getByText('The job of CUSTOMER is on, every 45 minutes.').waitFor();
  // The table reloads after a save; change it once it has.
  await page.waitForLoadState('networkidle');
  await interval.fill('');
  await page.getByRole('button', { name: 'Save the job of CUSTOMER', exact: true }).click();
  await page.locator('#flash [role=alert]').getByText('at least 1 minute').waitFor();
  await page.getByLabel('Automatically create sales orders').check();
  await page.getByRole('button', { name: 'Save switches' }).click();
  await page.locator('#flash').getByText('The switches are saved.').waitFor();
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.locator('#flash').getByText('The connection works').waitFor();
  await admin.shot('connection-setup');
});

test('a read-only user sees the connection setup without any change', { skip }, async () => {
  const reader = await openBrowser();
  try {
    await logIn(reader.page, ui.baseUrl, ui.users.readOnly, PASSWORD);
    await reader.page.goto(`${ui.baseUrl}/setup/connection`);
    await reader.page.getByRole('heading', { name: 'Scheduled jobs' }).waitFor();
    assert.equal(await reader.page.locator('main button, main [hx-post]').count(), 0);
    assert.equal(await reader.page.getByRole('link', { name: 'Assisted setup' }).count(), 0);
    const res = await reader.page.goto(`${ui.baseUrl}/setup/assisted`);
    assert.equal(res?.status(), 403);
    assert.match((await reader.page.locator('[role=alert]').textContent()) ?? '', /may not/);
    await reader.shot('readonly-connection-setup');
    for (const path of [
      '/integration/mappings',
      '/integration/mappings/CUSTOMER',
      '/integration/skipped',
    ]) {
      await reader.page.goto(`${ui.baseUrl}${path}`);
      assert.equal(
        await reader.page.locator('main button:not([type=submit]), main [hx-post]').count(),
        0,
        `${path}: no write action for a read-only user`,
      );
    }
  } finally {
    await reader.close();
  }
});

test('table mappings: view, edit with a readable refusal, field directions, restore default, run with progress', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/integration/mappings`);
  await page
    .getByRole('row', { name: /CUSTOMER/ })
    .first()
    .waitFor();
  await admin.shot('table-mappings');
  await page.getByRole('link', { name: 'CONTACT', exact: true }).click();
  await page.getByLabel('ERP filter (JSON conditions)').fill('not json');
  await page.getByRole('button', { name: 'Save the mapping' }).click();
  await page.locator('#flash [role=alert]').getByText('A filter must be JSON').waitFor();
  await page
    .getByLabel('ERP filter (JSON conditions)')
    .fill('[{"field":"noSuchField","op":"eq","value":"x"}]');
  await page.getByRole('button', { name: 'Save the mapping' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText(/Mapping CONTACT has \d+ problem/)
    .waitFor();
  await page.getByLabel('ERP filter (JSON conditions)').fill('');
  await page.getByLabel('Interval (minutes)').fill('15');
  await page.getByRole('button', { name: 'Save the mapping' }).click();
  await page.locator('#flash').getByText('Mapping CONTACT is saved.').waitFor();
  await page.getByLabel('Direction of email', { exact: true }).selectOption('ToIntegrationTable');
  await page.getByRole('button', { name: 'Save field directions' }).click();
  await page.locator('#flash').getByText('The field mappings of CONTACT are saved.').waitFor();
  await admin.shot('table-mapping');
  const saved = await ui.db.query<{ interval: number }>(
    "SELECT job_interval_minutes AS interval FROM integration.table_mappings WHERE name = 'CONTACT'",
  );
  assert.equal(saved.rows[0]?.interval, 15);
  await page.goto(`${ui.baseUrl}/integration/mappings`);
  page.once('dialog', (d) => d.accept());
  await page
    .getByRole('row', { name: /^CONTACT/ })
    .getByRole('button', { name: 'Restore default' })
    .click();
  await page.locator('#flash').getByText('Mapping CONTACT has its shipped settings').waitFor();
  await page
    .getByRole('row', { name: /^CURRENCY/ })
    .getByRole('button', { name: 'Synchronize modified records' })
    .click();
  await page.waitForURL(/\/runs\//);
  await page.getByText(/Synchronization finished|had records that failed/).waitFor();
});

test('synchronization log and skipped records: jobs with counters, a job’s errors, Restore and Retry', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/integration/log?mapping=CUSTOMER`);
  await page.locator('#jobs tbody tr').first().waitFor();
  await admin.shot('synchronization-log');
  await page.locator('#jobs tbody a').first().click();
  await page.getByRole('heading', { name: 'Errors' }).waitFor();
  await admin.shot('synchronization-job');
  const skipped = await ui.db.query<{ id: string }>(
    "UPDATE integration.couplings SET skipped = true WHERE id IN (SELECT id FROM integration.couplings WHERE mapping_name = 'ITEM-PRODUCT' LIMIT 2) RETURNING id",
  );
  assert.equal(skipped.rowCount, 2);
  await page.goto(`${ui.baseUrl}/integration/skipped`);
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.locator('#flash [role=alert]').getByText('Select one or more records first').waitFor();
  const boxes = page.getByRole('checkbox', { name: 'Select row' });
  await boxes.first().check();
  await page.getByRole('button', { name: 'Restore' }).click();
  await page.locator('#flash').getByText('1 record restored').waitFor();
  await page.getByRole('checkbox', { name: 'Select row' }).first().check();
  await page.getByRole('button', { name: 'Retry' }).click();
  await page
    .locator('#flash')
    .getByText(/1 record restored, 1 synchronized/)
    .waitFor();
  await admin.shot('skipped-records');
  const left = await ui.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM integration.couplings WHERE skipped',
  );
  assert.equal(left.rows[0]?.n, 0);
});

test('full synchronization review: lines with recommendation and status; Start needs the workers of kobling start', {
  skip,
}, async () => {
  const deps = { db: ui.db, config: ui.server.ctx.config, logger: ui.server.ctx.logger };
  const lines = await generateLines(deps);
  assert.ok(lines.ok);
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/integration/full-sync`);
  await page.getByRole('row', { name: /^CUSTOMER/ }).waitFor();
  assert.match(
    (await page.locator('#full-sync').textContent()) ?? '',
    /Full synchronization|Couple records|Nothing to do/,
  );
  await admin.shot('full-synchronization-review');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('#flash [role=alert]').getByText('runs no job queue').waitFor();
});
