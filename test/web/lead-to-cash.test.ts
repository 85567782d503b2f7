import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setUpCoupling } from '../../src/integration/coupling-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { matchBasedCoupling } from '../../src/sync/service/match-based-coupling.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;
let customer: { id: string; number: string; name: string };
let item: { id: string; number: string };

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  const { ctx, mapping } = ui.fx;
  // What the setup would have done: units, option sets, the salesperson, one product, one account.
  for (const name of ['UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM'])
    await matchBasedCoupling(ctx, mapping(name));
  for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'])
    await runMapping(ctx, mapping(name), { trigger: 'manual' });
  const jo = await ui.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'JO'");
  const coupled = await setUpCoupling(ui.db, ctx, mapping('SALESPEOPLE'), {
    erpId: jo.rows[0]!.id,
    crmName: 'Jim Olive',
    synchronize: 'none',
  });
  assert.ok(coupled.ok);
  const c = await ui.db.query<{ id: string; number: string; display_name: string }>(
    `SELECT id, number, display_name FROM erp.customers
     WHERE salesperson_code = 'JO' AND currency_code IS NULL ORDER BY number LIMIT 1`,
  );
  customer = { id: c.rows[0]!.id, number: c.rows[0]!.number, name: c.rows[0]!.display_name };
  const i = await ui.db.query<{ id: string; number: string }>(
    'SELECT id, number FROM erp.items WHERE NOT blocked ORDER BY number LIMIT 1',
  );
  item = i.rows[0]!;
  const products = await createInCrm(ctx, mapping('ITEM-PRODUCT'), [item.id]);
  assert.deepEqual(products.failed, []);
  const accounts = await createInCrm(ctx, mapping('CUSTOMER'), [customer.id]);
  assert.deepEqual(accounts.failed, []);
  admin = await openBrowser();
  await logIn(admin.page, ui.baseUrl, ui.users.orderProcessor, PASSWORD);
});
after(async () => {
  await admin?.close();
  await ui?.close();
});

test('CRM view: a salesperson writes an order for the account and submits it', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/crm/accounts`);
  await admin.shot('crm-accounts');
  await page.getByRole('link', { name: customer.name }).click();
  await page.getByRole('heading', { name: 'New order or quote' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('PO 4711');
  await page.getByLabel('Quantity').fill('3');
  await page.getByLabel(/Price per unit/).fill('12.50');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/crm\/orders\//);
  // The order's card is a whole page: it says what happened and keeps the CRM navigation.
  await page.locator('#flash').getByText('The order is created.').waitFor();
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('heading', { name: 'Dynamics 365 Sales' })
    .waitFor();
  await page.getByRole('button', { name: 'Submit order' }).click();
  await page.locator('#flash').getByText('The order is submitted to the back office.').waitFor();
  await page.locator('#crm-document').getByText('Submitted', { exact: true }).first().waitFor();
  // Amounts with two decimals (not 12.5 and 37.5).
  const lines = (await page.locator('#crm-lines').textContent()) ?? '';
  assert.match(lines, /12\.50/);
  assert.match(lines, /37\.50/);
  await admin.shot('crm-order');
});

test('Sales orders from Dynamics 365 Sales: Create in ERP, then post the ERP order and pay the invoice', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/sales/crm-orders`);
  const row = page.getByRole('row', { name: /PO 4711/ });
  await row.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Create in ERP' }).click();
  await page
    .locator('#flash')
    .getByText(/1 sales order created in the ERP/)
    .waitFor();
  await page
    .locator('#crm-orders')
    .getByRole('link', { name: /\(Open\)/ })
    .waitFor();
  await admin.shot('crm-orders');
  await page
    .locator('#crm-orders')
    .getByRole('link', { name: /\(Open\)/ })
    .click();
  await page.waitForURL(/\/sales\/orders\//);
  assert.match((await page.locator('#lines').textContent()) ?? '', new RegExp(item.number));
  // The order's fields by caption, amounts with two decimals.
  const general = (await page.getByRole('region', { name: 'General' }).textContent()) ?? '';
  assert.match(general, /Customer no\.C\d+/);
  assert.doesNotMatch(general, /customerNumber|totalAmountIncludingTax/);
  assert.match(general, /Total amount excluding tax[\d,]+\.\d\dTotal tax amount[\d,]+\.\d\d/);
  await admin.shot('sales-order');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Post (ship and invoice)' }).click();
  await page
    .locator('#flash')
    .getByText(/is posted: shipment .+, invoice .+/)
    .waitFor();
  const invoice = await ui.db.query<{ number: string; total: string }>(
    `SELECT number, total_amount_including_tax::text AS total FROM erp.sales_invoice_headers
     WHERE customer_number = $1 ORDER BY number DESC LIMIT 1`,
    [customer.number],
  );
  const inv = invoice.rows[0]!;
  await page.goto(`${ui.baseUrl}/sales/invoices?search=${inv.number}`);
  await page
    .getByRole('row', { name: new RegExp(inv.number) })
    .getByRole('checkbox')
    .check();
  await page.getByRole('button', { name: 'Create invoice in Dynamics 365 Sales' }).click();
  await page.locator('#flash').getByText('1 invoice created in Dynamics 365 Sales.').waitFor();
  await page
    .getByRole('row', { name: new RegExp(inv.number) })
    .getByRole('link', { name: 'Yes' })
    .waitFor();
  await admin.shot('posted-invoices');
  await page
    .getByRole('row', { name: new RegExp(inv.number) })
    .getByRole('link', { name: 'Yes' })
    .click();
  await page.waitForURL(/\/crm\/invoices\//);
  await page.locator('#crm-document').getByText('Billed').waitFor();
  // Dates in ISO 8601, not in the CRM user's format (12/1/2026).
  assert.match(
    (await page.locator('#crm-document').textContent()) ?? '',
    /Due date\s*\d{4}-\d{2}-\d{2}Total/,
  );
  await admin.shot('crm-invoice-billed');

  await page.goto(`${ui.baseUrl}/sales/payments`);
  await page.getByLabel('Customer No.').fill(customer.number);
  await page.getByLabel('Amount').fill('10');
  await page.getByLabel(/Applies to invoice/).fill(inv.number);
  await page.getByRole('button', { name: 'Post payment' }).click();
  await page
    .locator('#flash')
    .getByText(new RegExp(`applied to invoice ${inv.number}`))
    .waitFor();
  await page.getByLabel('Amount').fill('-50');
  await page.getByRole('button', { name: 'Post payment' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText('Enter the amount as a positive number (greater than 0)')
    .waitFor();
  await admin.shot('payments');

  await page.goto(`${ui.baseUrl}/customers/${customer.id}`);
  await page.getByRole('button', { name: 'Update account statistics' }).click();
  await page
    .locator('#flash')
    .getByText(/Account statistics (created|updated) in Dynamics 365 Sales/)
    .waitFor();
  await admin.shot('customer-card-statistics');
  await page.goto(`${ui.baseUrl}/crm/invoices`);
  const crmInvoice = page.getByRole('row', { name: new RegExp(customer.name) }).first();
  await crmInvoice.getByText('Partial').waitFor();
  await admin.shot('crm-invoices');
  await page.goto(`${ui.baseUrl}/crm/accounts`);
  await page.getByRole('link', { name: customer.name }).click();
  assert.match(
    (await page.locator('#crm-statistics').textContent()) ?? '',
    /Balance[^—]*\d/,
    'the account shows the balance sent from the ERP',
  );
  await admin.shot('crm-account');
});

test('CRM quotes: activate, Process in ERP, revise and win', { skip }, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/crm/accounts`);
  await page.getByRole('link', { name: customer.name }).click();
  await page.getByLabel('New', { exact: true }).selectOption('quote');
  await page.getByLabel('Name', { exact: true }).fill('Offer 12');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/crm\/quotes\//);
  await page.locator('#flash').getByText('The quote is created.').waitFor();
  await page.getByRole('button', { name: 'Activate quote' }).click();
  await page.locator('#flash').getByText('The quote is active.').waitFor();
  await page.goto(`${ui.baseUrl}/sales/crm-quotes`);
  await page
    .getByRole('row', { name: /Offer 12/ })
    .getByRole('checkbox')
    .check();
  await page.getByRole('button', { name: 'Process in ERP' }).click();
  await page
    .locator('#flash')
    .getByText(/1 quote processed in the ERP/)
    .waitFor();
  await admin.shot('crm-quotes');
  await page.goto(`${ui.baseUrl}/crm/quotes`);
  await page
    .getByRole('row', { name: /Offer 12/ })
    .getByRole('link')
    .first()
    .click();
  await page.getByRole('button', { name: 'Revise' }).click();
  await page.waitForURL(/done=quote-revised/);
  await page.locator('#flash').getByText('A new revision of the quote is open').waitFor();
  await page.getByRole('button', { name: 'Activate quote' }).click();
  await page.locator('#flash').getByText('The quote is active.').waitFor();
  await page.getByRole('button', { name: 'Close as won' }).click();
  await page.locator('#flash').getByText('The quote is closed as won.').waitFor();
  await admin.shot('crm-quote');
  await page.goto(`${ui.baseUrl}/sales/quotes`);
  await admin.shot('sales-quotes');
});

test('archives, sales setup and the CRM invoices list render; a read-only user sees no action', {
  skip,
}, async () => {
  const { page } = admin;
  for (const [path, shot] of [
    ['/sales/archives/quotes', 'archived-quotes'],
    ['/sales/setup', 'sales-setup'],
    ['/crm/orders', 'crm-orders-list'],
  ] as const) {
    const res = await page.goto(`${ui.baseUrl}${path}`);
    assert.equal(res?.status(), 200, path);
    await admin.shot(shot);
  }
  const reader = await openBrowser();
  try {
    await logIn(reader.page, ui.baseUrl, ui.users.readOnly, PASSWORD);
    for (const path of [
      '/sales/orders',
      '/sales/crm-orders',
      '/sales/crm-quotes',
      '/sales/payments',
      '/sales/setup',
      '/crm/accounts',
    ]) {
      await reader.page.goto(`${ui.baseUrl}${path}`);
      assert.equal(
        await reader.page.locator('main button:not([type=submit]), main [hx-post]').count(),
        0,
        `${path}: no write action for a read-only user`,
      );
    }
    await reader.page.getByRole('link', { name: customer.name }).click();
    assert.equal(await reader.page.getByRole('heading', { name: 'New order or quote' }).count(), 0);
  } finally {
    await reader.close();
  }
});
