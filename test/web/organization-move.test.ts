import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateLines } from '../../src/integration/full-sync/full-sync-service.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;
let orgB: Awaited<ReturnType<typeof startIntegrationEmulator>>;
let orgDb: Awaited<ReturnType<typeof createMigratedDb>>;

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  // Another organization: a second emulator over a database of its own.
  orgDb = await createMigratedDb('org_b');
  orgB = await startIntegrationEmulator(orgDb);
  admin = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
});
after(async () => {
  await admin?.close();
  await orgB?.emulator.stop();
  await orgDb?.drop();
  await ui?.close();
});

test('moving the connection to another organization: the answer and the Connection page say what was set aside and lead to the full synchronization review', {
  skip,
}, async () => {
  const deps = { db: ui.db, config: ui.server.ctx.config, logger: ui.server.ctx.logger };
  // The review of the first organization exists (its lines are what a move sets aside).
  const generated = await generateLines(deps);
  assert.ok(generated.ok, generated.ok ? '' : generated.error.message);
  const target = connectionSettings(orgB.emulator, orgB.integration);
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/setup/assisted`);
  await page.getByLabel('Dynamics 365 Sales URL').fill(target.crmUrl);
  await page.getByLabel(/Authority/).fill(target.authorityUrl ?? '');
  await page.getByLabel('Tenant id').fill(target.tenantId);
  await page.getByLabel('Client id').fill(target.clientId);
  await page.getByLabel(/^Client secret/).fill(target.clientSecret);
  await page.getByRole('button', { name: 'Save and test the connection' }).click();
  await page
    .locator('#flash')
    .getByText(/is another Dynamics 365 organization/)
    .waitFor();
  await page.locator('#flash').getByText('The connection works').waitFor();

  await page.goto(`${ui.baseUrl}/setup/connection`);
  const notice = page.getByRole('region', { name: 'Organization change' });
  const text = (await notice.textContent()) ?? '';
  assert.match(text, /Moved to another organization/);
  assert.match(text, /set aside, not deleted/);
  assert.match(text, new RegExp(`${generated.value.length} full synchronization lines?\\b`));
  const org = await orgDb.query<{ id: string }>(
    "SELECT id FROM crm.records WHERE entity = 'organization'",
  );
  assert.match((await page.locator('main').textContent()) ?? '', new RegExp(org.rows[0]!.id));
  await admin.shot('connection-organization-moved');
  await notice.getByRole('link', { name: 'Open the full synchronization review' }).click();
  await page.waitForURL(/\/integration\/full-sync/);
  const customer = page.getByRole('row', { name: /^CUSTOMER / });
  // Pending in the API; the badge says why it has not started (its parents are not done).
  assert.match((await customer.textContent()) ?? '', /Waiting for parents/);
  assert.equal(await customer.locator('.badge').getAttribute('title'), 'Pending');
  assert.match(
    (await page.locator('main').textContent()) ?? '',
    /The connection moved to another Dynamics 365 organization: synchronize this mapping in full/,
  );
});
