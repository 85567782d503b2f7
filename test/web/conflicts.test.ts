import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;
let reader: TestBrowser;
const pairs: { erpId: string; crmId: string }[] = [];

const phone = async (erpId: string) =>
  (
    await ui.db.query<{ phone_number: string }>(
      'SELECT phone_number FROM erp.customers WHERE id = $1',
      [erpId],
    )
  ).rows[0]!.phone_number;
const telephone = async (crmId: string) => {
  const r = await ui.fx.client.retrieve<{ telephone1: string }>('accounts', crmId);
  assert.ok(r.ok);
  return r.value.telephone1;
};

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  const ctx = ui.fx.ctx;
  const ports = { erp: ctx.erp, crm: ctx.crm };
  for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'])
    await runMapping(ctx, ui.fx.mapping(name), { trigger: 'manual' });
  const jo = await findCrmByName(ports, ui.fx.mapping('SALESPEOPLE'), 'Jim Olive');
  assert.ok(jo.ok);
  const sp = await ui.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'JO'");
  assert.ok(
    (await couple(ui.db, ports, ui.fx.mapping('SALESPEOPLE'), sp.rows[0]!.id, jo.value)).ok,
  );
  const customers = await ui.db.query<{ id: string }>(
    `SELECT id FROM erp.customers WHERE salesperson_code = 'JO' AND currency_code IS NULL
     ORDER BY number LIMIT 2`,
  );
  const created = await createInCrm(
    ctx,
    ui.fx.mapping('CUSTOMER'),
    customers.rows.map((c) => c.id),
  );
  assert.deepEqual(created.failed, []);
  pairs.push(...created.created.map((c) => ({ erpId: c.erpId, crmId: c.crmId })));
  await runMapping(ctx, ui.fx.mapping('CUSTOMER'));
  for (const [i, p] of pairs.entries()) {
    await ui.db.query('UPDATE erp.customers SET phone_number = $1 WHERE id = $2', [
      `+47 ERP ${i}`,
      p.erpId,
    ]);
    assert.ok((await ui.fx.user.update('accounts', p.crmId, { telephone1: `+47 CRM ${i}` })).ok);
  }
  const run = await runMapping(ctx, ui.fx.mapping('CUSTOMER'));
  assert.equal(run[0]!.counters.failed + run[1]!.counters.failed, 0, JSON.stringify(run));
  admin = await openBrowser();
  reader = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
  await logIn(reader.page, ui.baseUrl, ui.users.readOnly, PASSWORD);
});
after(async () => {
  await admin?.close();
  await reader?.close();
  await ui?.close();
});

test('the Conflicts page lists both values; a reader sees them without the buttons', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/`);
  await page.getByRole('link', { name: 'Conflicts' }).click();
  await page.waitForURL(/\/integration\/conflicts$/);
  const rows = page.locator('#conflicts tbody tr');
  assert.equal(await rows.count(), 2);
  const first = rows.filter({ hasText: '+47 ERP 0' });
  assert.match((await first.textContent()) ?? '', /phoneNumber ⇄ telephone1/);
  assert.match((await first.textContent()) ?? '', /\+47 CRM 0/);
  assert.match((await first.textContent()) ?? '', /Sales app/, 'who changed the CRM side');
  // The two records by number and name, as users know them; their ids in the title.
  const c = (
    await ui.db.query<{ number: string; display_name: string }>(
      'SELECT number, display_name FROM erp.customers WHERE id = $1',
      [pairs[0]!.erpId],
    )
  ).rows[0]!;
  const records = first.locator('span.record');
  assert.deepEqual(await records.allTextContents(), [
    `Customer ${c.number} ${c.display_name}`,
    `account ${c.display_name}`,
  ]);
  assert.equal(await records.first().getAttribute('title'), pairs[0]!.erpId);
  assert.equal(await records.last().getAttribute('title'), pairs[0]!.crmId);
  await admin.shot('conflicts');

  await reader.page.goto(`${ui.baseUrl}/integration/conflicts`);
  assert.equal(await reader.page.locator('#conflicts tbody tr').count(), 2);
  assert.equal(await reader.page.getByRole('button', { name: 'Take CRM' }).count(), 0);
});

test('Take CRM writes the ERP and clears the entry; a typed value goes to both sides', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/integration/conflicts`);
  const rows = page.locator('#conflicts tbody tr');
  await rows.filter({ hasText: '+47 ERP 0' }).getByRole('button', { name: 'Take CRM' }).click();
  await page.locator('#flash').getByText('Resolved: both sides now hold +47 CRM 0').waitFor();
  await page
    .locator('#conflicts tbody tr', { hasText: '+47 ERP 0' })
    .waitFor({ state: 'detached' });
  assert.equal(await phone(pairs[0]!.erpId), '+47 CRM 0');
  assert.equal(await telephone(pairs[0]!.crmId), '+47 CRM 0');

  const second = rows.filter({ hasText: '+47 ERP 1' });
  await second.getByRole('button', { name: 'Use value' }).click();
  await page.locator('#flash [role=alert]').getByText('Type a value first').waitFor();
  await second.getByPlaceholder('Type a value').fill('+47 TYPED');
  await second.getByRole('button', { name: 'Use value' }).click();
  await page.locator('#flash').getByText('Resolved: both sides now hold +47 TYPED').waitFor();
  await page.locator('#conflicts').getByText('No conflicts: nothing waits for a choice.').waitFor();
  assert.equal(await phone(pairs[1]!.erpId), '+47 TYPED');
  assert.equal(await telephone(pairs[1]!.crmId), '+47 TYPED');
  await admin.shot('conflicts-resolved');
});

test('a request without the CSRF token changes nothing', { skip }, async () => {
  const res = await admin.page.request.post(`${ui.baseUrl}/integration/conflicts/resolve`, {
    form: { take: 'crm', mapping: 'CUSTOMER' },
  });
  assert.equal(res.status(), 403);
});

test('the mapping page shows the rule ask and sets how long entries wait', { skip }, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/integration/mappings/CUSTOMER`);
  const rule = page.getByLabel('When both sides changed');
  assert.equal(await rule.inputValue(), 'ask');
  await page.getByLabel('Conflict inbox: unresolved entries fail after (hours)').fill('48');
  await page.getByRole('button', { name: 'Save the mapping' }).click();
  await page.locator('#flash').getByText('Mapping CUSTOMER is saved.').waitFor();
  const saved = await ui.db.query<{ conflict_expiry_hours: number; update_conflict: string }>(
    "SELECT conflict_expiry_hours, update_conflict FROM integration.table_mappings WHERE name = 'CUSTOMER'",
  );
  assert.deepEqual(saved.rows[0], { conflict_expiry_hours: 48, update_conflict: 'ask' });
});
