import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEntity } from '../../src/erp/public-api.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { browserUnavailable, logIn, openBrowser, type TestBrowser } from './browser.ts';
import { PASSWORD, startUiFixture, type UiFixture } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

let ui: UiFixture;
let admin: TestBrowser;

before(async () => {
  if (skip) return;
  ui = await startUiFixture();
  admin = await openBrowser();
});
after(async () => {
  await admin?.close();
  await ui?.close();
});

test('login: a wrong password is refused with a readable message, the right one opens the overview', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/customers`);
  assert.match(page.url(), /\/login\?next=%2Fcustomers/, 'pages behind the login lead to it');
  await admin.shot('login');
  await page.getByLabel('User name').fill(ui.users.admin);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').getByText('Invalid username or password').waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/customers$/);
  await page.goto(`${ui.baseUrl}/`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  assert.match((await page.locator('main').textContent()) ?? '', /Enabled/);
  await admin.shot('overview');
});

test('salespeople: Set up coupling finds the CRM user by name', { skip }, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/salespeople`);
  await page.getByRole('link', { name: 'JO', exact: true }).click();
  await page.getByLabel('Set up coupling with the user named').fill('Jim Olive');
  await page.getByRole('button', { name: 'Set up coupling' }).click();
  await page.locator('#flash').getByText("is now coupled with the user 'Jim Olive'").waitFor();
  await page.locator('#coupling .badge', { hasText: 'Yes' }).waitFor();
  await admin.shot('salesperson-card');
  await page.getByLabel('Set up coupling with the user named').fill('Nobody Known');
  await page.getByRole('button', { name: 'Set up coupling' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText('does not exist in Dynamics 365 Sales')
    .waitFor();
});

test('a card is titled with the singular of its list: Salesperson, Currency, Unit of measure', {
  skip,
}, async () => {
  const { page } = admin;
  for (const [path, singular] of [
    ['salespeople', 'Salesperson'],
    ['currencies', 'Currency'],
    ['units', 'Unit of measure'],
    ['customers', 'Customer'],
  ] as const) {
    await page.goto(`${ui.baseUrl}/${path}`);
    const first = page.locator(`main table tbody a`).first();
    const key = ((await first.textContent()) ?? '').trim();
    await first.click();
    await page.waitForURL(new RegExp(`/${path}/[0-9a-f-]{36}$`));
    const heading = (await page.locator('h1').textContent()) ?? '';
    assert.ok(heading.startsWith(`${singular} ${key} · `), `${path}: ${heading}`);
    assert.equal(await page.title(), `${heading} · Kobling`);
  }
});

test('customers: list with Coupled column, filters and paging; Create account in Dynamics 365 Sales; Synchronize now', {
  skip,
}, async () => {
  const { page } = admin;
  const customer = await ui.db.query<{ id: string; number: string; display_name: string }>(
    `SELECT id, number, display_name FROM erp.customers
     WHERE salesperson_code = 'JO' AND currency_code IS NULL ORDER BY number LIMIT 1`,
  );
  const c = customer.rows[0]!;
  // The account's option sets (payment terms, shipment method, agent) are coupled by their mappings.
  for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT'])
    await runMapping(ui.fx.ctx, ui.fx.mapping(name), { trigger: 'manual' });
  await page.goto(`${ui.baseUrl}/customers`);
  assert.match((await page.locator('.paging').textContent()) ?? '', /Rows 1–50 of 50/);
  await page.getByLabel('Search').fill(c.number);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(new RegExp(`search=${c.number}`));
  await page.locator('#customers-list tbody tr').first().waitFor();
  assert.equal(await page.locator('#customers-list tbody tr').count(), 1);
  await page.getByRole('checkbox', { name: 'Select row' }).check();
  await page.getByRole('button', { name: 'Create account in Dynamics 365 Sales' }).click();
  await page
    .locator('#flash')
    .getByText('1 account created in Dynamics 365 Sales and coupled.')
    .waitFor();
  await page.locator('#customers-list .badge', { hasText: 'Yes' }).waitFor();
  await admin.shot('customers');
  const coupled = await ui.db.query<{ crm_id: string }>(
    'SELECT crm_id FROM integration.couplings WHERE erp_id = $1',
    [c.id],
  );
  const account = await ui.fx.client.retrieve<{ name: string }>(
    'accounts',
    coupled.rows[0]!.crm_id,
    {
      select: ['name'],
    },
  );
  assert.ok(account.ok);
  assert.equal(account.value.name, c.display_name, 'the account exists in the CRM');

  await page.getByRole('checkbox', { name: 'Select row' }).check();
  await page.getByLabel('Direction').selectOption('send');
  await page.getByRole('button', { name: 'Synchronize now' }).click();
  await page.locator('#flash').getByText('1 record sent to Dynamics 365 Sales.').waitFor();

  await page.goto(`${ui.baseUrl}/customers?coupling=uncoupled&page=2`);
  assert.match((await page.locator('.paging').textContent()) ?? '', /No rows|Page 2 of 1/);
  await page.goto(`${ui.baseUrl}/customers?coupling=coupled`);
  assert.equal(await page.locator('#customers-list tbody tr').count(), 1);

  await page.getByRole('link', { name: c.number }).click();
  await page.locator('#coupling .badge', { hasText: 'Yes' }).waitFor();
  // Fields by their captions, not their API names; BC's blank "blocked" reads "No".
  const general = (await page.getByRole('region', { name: 'General' }).textContent()) ?? '';
  for (const caption of ['Name', 'Address', 'Currency code', 'Last modified', 'Credit limit'])
    assert.ok(general.includes(caption), `${caption} in ${general}`);
  for (const raw of ['addressLine1', 'lastModifiedDateTime', 'currencyCode', 'displayName'])
    assert.ok(!general.includes(raw), `no ${raw} in ${general}`);
  assert.match(general, /BlockedNo/);
  assert.match(general, /Last modified\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  // The CRM record by its name, with its id.
  assert.match(
    (await page.locator('#coupling').textContent()) ?? '',
    new RegExp(`account ${c.display_name} \\(${coupled.rows[0]!.crm_id}\\)`),
  );
  await admin.shot('customer-card');
});

test('an action without a selection, or with a stale CSRF token, gives a readable error', {
  skip,
}, async () => {
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/customers`);
  await page
    .getByRole('button', { name: 'Delete coupling' })
    .click({ trial: false })
    .catch(() => {});
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Synchronize now' }).click();
  await page.locator('#flash [role=alert]').getByText('Select one or more records first').waitFor();
  const res = await page.request.post(`${ui.baseUrl}/customers/actions/uncouple`, {
    form: { ids: '00000000-0000-0000-0000-000000000000' },
  });
  assert.equal(res.status(), 403, 'no CSRF token, no change');
  assert.match(await res.text(), /did not come from this site/);
});

test('text from the data is escaped: a name with markup shows as text and runs nothing', {
  skip,
}, async () => {
  const made = await createEntity(ui.db, 'customers', {
    displayName: '<img src=x onerror="window.__xss=1">Evil & Co',
  });
  assert.ok(made.ok);
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/customers?search=Evil`);
  await page.getByText('<img src=x onerror="window.__xss=1">Evil & Co').waitFor();
  assert.equal(await page.evaluate('window.__xss'), undefined);
});

test('a read-only user sees the lists but no write action', { skip }, async () => {
  const reader = await openBrowser();
  try {
    await logIn(reader.page, ui.baseUrl, ui.users.readOnly, PASSWORD);
    for (const path of ['/customers', '/salespeople', '/items']) {
      await reader.page.goto(`${ui.baseUrl}${path}`);
      await reader.page.locator('table').waitFor();
      assert.equal(
        await reader.page.locator('main button:not([type=submit]), main [hx-post]').count(),
        0,
        `${path}: no actions`,
      );
      assert.equal(
        await reader.page.getByRole('checkbox').count(),
        0,
        `${path}: nothing to select`,
      );
    }
    await reader.page
      .getByRole('link', { name: /^\d|^[A-Z]/ })
      .first()
      .waitFor();
    await reader.page.goto(`${ui.baseUrl}/salespeople`);
    await reader.page.locator('#salespeople-list tbody a').first().click();
    assert.equal(await reader.page.locator('main form [hx-post], main form[hx-post]').count(), 0);
    await reader.shot('readonly-salesperson-card');
    const csrf = JSON.parse(
      (await reader.page.locator('body').getAttribute('hx-headers')) ?? '{}',
    ) as Record<string, string>;
    const res = await reader.page.request.post(`${ui.baseUrl}/customers/actions/uncouple`, {
      headers: csrf,
      form: { ids: '00000000-0000-0000-0000-000000000000' },
    });
    assert.equal(res.status(), 403, 'the server refuses writes of a read-only user too');
  } finally {
    await reader.close();
  }
});
