import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

/**
 * What the customer list's actions say when they did not do what was asked, in a browser: a
 * create the mapping's filter refuses names the reason per record, and a merge that holds a field
 * in the conflict inbox says so with a link to it; neither reads as done.
 */

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  // The account's option sets (payment terms, shipment method, agent) are coupled by their mappings.
  for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'])
    await runMapping(ui.fx.ctx, ui.fx.mapping(name), { trigger: 'manual' });
  // The account's owner: the salesperson JO coupled with the CRM user of that name.
  const ports = { erp: ui.fx.ctx.erp, crm: ui.fx.ctx.crm };
  const jo = await findCrmByName(ports, ui.fx.mapping('SALESPEOPLE'), 'Jim Olive');
  assert.ok(jo.ok);
  const sp = await ui.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'JO'");
  assert.ok(
    (await couple(ui.db, ports, ui.fx.mapping('SALESPEOPLE'), sp.rows[0]!.id, jo.value)).ok,
  );
  admin = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.admin, PASSWORD);
});
after(async () => {
  await admin?.close();
  await ui?.close();
});

/** Shows one customer in the list, selects it and runs an action; answers the flash area. */
async function onCustomer(number: string, act: () => Promise<void>) {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/customers?search=${number}`);
  await page.locator('#customers-list tbody tr').first().waitFor();
  assert.equal(await page.locator('#customers-list tbody tr').count(), 1);
  await page.getByRole('checkbox', { name: 'Select row' }).check();
  await act();
  const flash = page.locator('#flash');
  await flash.locator('[role=alert], [role=status], .banner').first().waitFor();
  return flash;
}

test('Create account in Dynamics 365 Sales on a blocked customer names the filter that leaves it out, not "Nothing was created."', {
  skip,
}, async () => {
  const blocked = (
    await ui.db.query<{ id: string; number: string }>(
      "SELECT id, number FROM erp.customers WHERE btrim(blocked) <> '' ORDER BY number LIMIT 1",
    )
  ).rows[0]!;
  const flash = await onCustomer(blocked.number, () =>
    admin.page.getByRole('button', { name: 'Create account in Dynamics 365 Sales' }).click(),
  );
  const text = (await flash.textContent()) ?? '';
  await admin.shot('create-in-crm-blocked');
  assert.match(text, /1 record could not be created/, text);
  assert.match(
    text,
    new RegExp(
      `${blocked.number} .*: Not created: the record is outside the ERP filter of mapping CUSTOMER \\(blocked = All, the filter needs blocked empty\\)`,
    ),
  );
  assert.doesNotMatch(text, /Nothing was created/);
  assert.doesNotMatch(text, /created in Dynamics 365 Sales and coupled/);
  const coupled = await ui.db.query('SELECT 1 FROM integration.couplings WHERE erp_id = $1', [
    blocked.id,
  ]);
  assert.equal(coupled.rowCount, 0, 'nothing was coupled');
});

test('Synchronize now with a merge under "ask" that holds the name in the conflict inbox says so and links to the inbox', {
  skip,
}, async () => {
  const customer = (
    await ui.db.query<{ id: string; number: string }>(
      `SELECT id, number FROM erp.customers
        WHERE btrim(blocked) = '' AND salesperson_code = 'JO' AND currency_code IS NULL
        ORDER BY number LIMIT 1`,
    )
  ).rows[0]!;
  const mapping = ui.fx.mapping('CUSTOMER');
  assert.equal(mapping.updateConflict, 'ask', 'a new bidirectional mapping asks');
  const created = await createInCrm(ui.fx.ctx, mapping, [customer.id]);
  assert.deepEqual(created.failed, []);
  const accountId = created.created[0]!.crmId;
  // Both sides change the name after the last synchronization.
  await ui.db.query("UPDATE erp.customers SET display_name = 'Merge Co (ERP)' WHERE id = $1", [
    customer.id,
  ]);
  assert.ok((await ui.fx.user.update('accounts', accountId, { name: 'Merge Co (CRM)' })).ok);

  const flash = await onCustomer(customer.number, async () => {
    await admin.page.getByLabel('Direction').selectOption('merge');
    await admin.page.getByRole('button', { name: 'Synchronize now' }).click();
  });
  const text = (await flash.textContent()) ?? '';
  await admin.shot('synchronize-merge-held');
  assert.match(
    text,
    /1 record merged with Dynamics 365 Sales except fields changed on both sides; they wait in the conflict inbox\./,
    text,
  );
  assert.match(
    text,
    /displayName ⇄ name changed on both sides and waits in the conflict inbox/,
    'the held field is named',
  );
  assert.doesNotMatch(text, /^1 record merged with Dynamics 365 Sales\.$/m);
  assert.doesNotMatch(text, /synchronized/i);
  const link = flash.getByRole('link', { name: 'Open the conflict inbox' });
  assert.equal(await link.getAttribute('href'), '/integration/conflicts');

  await link.click();
  await admin.page.waitForURL(/\/integration\/conflicts/);
  await admin.page.getByText('Merge Co (CRM)').first().waitFor();
  const account = await ui.fx.client.retrieve<{ name: string }>('accounts', accountId, {
    select: ['name'],
  });
  assert.ok(account.ok);
  assert.equal(account.value.name, 'Merge Co (CRM)', 'the held name is left as it was');
});
