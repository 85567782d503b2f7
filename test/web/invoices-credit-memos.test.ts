import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let user: TestBrowser;

before(async () => {
  if (skip) return;
  ui = await startUiFixture({ connect: false });
  user = await openBrowser();
  await logIn(user.page, ui.baseUrl, ui.users.orderProcessor, PASSWORD);
});
after(async () => {
  await user?.close();
  await ui?.close();
});

test('a user creates and posts an invoice, then a credit memo applied to it, and unapplies it', {
  skip,
}, async () => {
  const { page } = user;
  const c = await ui.db.query<{ number: string }>(
    `SELECT number FROM erp.customers WHERE btrim(blocked) = '' AND currency_code IS NULL
      ORDER BY number LIMIT 1`,
  );
  const customer = c.rows[0]!.number;
  await page.goto(`${ui.baseUrl}/sales/draft-invoices`);
  const form = page.locator('form[hx-post="/sales/draft-invoices"]');
  await form.getByLabel('Customer No.').fill(customer);
  await form.getByLabel('Type').selectOption('Resource');
  await form.getByLabel('No.', { exact: true }).fill('R0001');
  await form.getByLabel('Quantity').fill('2');
  await form.getByRole('button', { name: 'Create invoice' }).click();
  const created = page
    .locator('#flash')
    .getByText(/Invoice SI\d+ of [\d,]+\.\d\d( [A-Z]{3})? is created/);
  await created.waitFor();
  const draftNumber = /SI\d+/.exec((await created.textContent()) ?? '')![0];
  const row = page.getByRole('row', { name: new RegExp(draftNumber) });
  await row.waitFor();
  await user.shot('draft-invoices');
  page.once('dialog', (d) => d.accept());
  await row.getByRole('button', { name: 'Post' }).click();
  const posted = page.locator('#flash').getByText(new RegExp(`${draftNumber} is posted as PSI`));
  await posted.waitFor();
  const invoiceNumber = /PSI\d+/.exec((await posted.textContent()) ?? '')![0];

  await page.goto(`${ui.baseUrl}/sales/credit-memos`);
  const memoForm = page.locator('form[hx-post="/sales/credit-memos"]');
  await memoForm.getByLabel('Customer No.').fill(customer);
  await memoForm.getByLabel(/Applies to invoice/).fill(invoiceNumber);
  await memoForm.getByLabel('Type').selectOption('Resource');
  await memoForm.getByLabel('No.', { exact: true }).fill('R0001');
  await memoForm.getByLabel('Quantity').fill('1');
  await memoForm.getByRole('button', { name: 'Create credit memo' }).click();
  const memoCreated = page.locator('#flash').getByText(/Credit memo SCM\d+ of .+ is created/);
  await memoCreated.waitFor();
  const memoNumber = /SCM\d+/.exec((await memoCreated.textContent()) ?? '')![0];
  const memoRow = page.getByRole('row', { name: new RegExp(memoNumber) });
  page.once('dialog', (d) => d.accept());
  await memoRow.getByRole('button', { name: 'Post' }).click();
  await page
    .locator('#flash')
    .getByText(new RegExp(`applied to invoice ${invoiceNumber} \\([\\d.]+ still open\\)`))
    .waitFor();
  const remaining = await ui.db.query<{ r: string; t: string }>(
    'SELECT remaining_amount::text AS r, total_amount_including_tax::text AS t FROM erp.sales_invoice_headers WHERE number = $1',
    [invoiceNumber],
  );
  assert.equal(Number(remaining.rows[0]!.r), Number(remaining.rows[0]!.t) / 2, 'half credited');
  const postedRow = page.getByRole('row', { name: new RegExp(invoiceNumber) }).first();
  await postedRow.getByRole('button', { name: 'Unapply' }).waitFor();
  await user.shot('credit-memos');
  page.once('dialog', (d) => d.accept());
  await postedRow.getByRole('button', { name: 'Unapply' }).click();
  await page
    .locator('#flash')
    .getByText(new RegExp(`invoice ${invoiceNumber} has [\\d.]+ open again`))
    .waitFor();
  const after = await ui.db.query<{ r: string; t: string }>(
    'SELECT remaining_amount::text AS r, total_amount_including_tax::text AS t FROM erp.sales_invoice_headers WHERE number = $1',
    [invoiceNumber],
  );
  assert.equal(after.rows[0]!.r, after.rows[0]!.t, 'nothing credited any more');

  // A wrong invoice number is refused with a readable message, and nothing is created.
  await memoForm.getByLabel(/Applies to invoice/).fill('PSI999999');
  await memoForm.getByRole('button', { name: 'Create credit memo' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText('Posted sales invoice PSI999999 does not exist')
    .waitFor();
});

test('a read-only user sees the lists without forms or actions', { skip }, async () => {
  const reader = await openBrowser();
  try {
    await logIn(reader.page, ui.baseUrl, ui.users.readOnly, PASSWORD);
    for (const path of ['/sales/draft-invoices', '/sales/credit-memos']) {
      await reader.page.goto(`${ui.baseUrl}${path}`);
      await reader.page.locator('table').first().waitFor();
      assert.equal(await reader.page.locator('main form[hx-post]').count(), 0, path);
      assert.equal(await reader.page.getByRole('button', { name: /Post|Unapply/ }).count(), 0);
    }
  } finally {
    await reader.close();
  }
});
