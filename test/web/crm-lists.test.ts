import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserUnavailable } from './browser.ts';
import { useAdminSession } from './ui-fixture.ts';

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

const { ui, admin } = useAdminSession(skip);

const paging = async () => (await admin.page.locator('#accounts-list .paging').textContent()) ?? '';
const names = async () =>
  (await admin.page.locator('#accounts-list tbody tr td:first-child').allTextContents()).map((t) =>
    t.trim(),
  );

test('CRM accounts page 50 at a time with the true total; every account is reachable, the oldest on the last page', {
  skip,
}, async () => {
  const { client } = ui.fx;
  // One at a time, so they are created oldest first.
  for (let i = 1; i <= 52; i++) {
    const made = await client.create('accounts', { name: `Paging ${String(i).padStart(2, '0')}` });
    assert.ok(made.ok);
  }
  const count = await client.retrieveMultiple('accounts', { select: ['accountid'], count: true });
  assert.ok(count.ok);
  const total = count.value.count!;
  assert.ok(total >= 52);

  const { page } = admin;
  await page.goto(`${ui.baseUrl}/crm/accounts`);
  assert.match(await paging(), new RegExp(`Rows 1–50 of ${total}`));
  assert.match(await paging(), new RegExp(`Page 1 of ${Math.ceil(total / 50)}`));
  assert.equal(await page.locator('#accounts-list tbody tr').count(), 50);

  await page.goto(`${ui.baseUrl}/crm/accounts?search=Paging`);
  assert.match(await paging(), /Rows 1–50 of 52/);
  assert.match(await paging(), /Page 1 of 2/);
  const first = await names();
  assert.equal(first[0], 'Paging 52', 'newest first');
  await page.getByRole('link', { name: 'Next →' }).click();
  await page.waitForURL(/page=2/);
  await page.locator('#accounts-list .paging', { hasText: 'Rows 51–52 of 52' }).waitFor();
  assert.deepEqual(await names(), ['Paging 02', 'Paging 01'], 'the two oldest are reachable');
  assert.match(await paging(), /Page 2 of 2/);
  const seen = new Set([...first, ...(await names())]);
  assert.equal(seen.size, 52, 'no account shown twice, none left out');
  await admin.shot('crm-accounts-page-2');

  await page.getByRole('link', { name: '← Previous' }).click();
  await page.locator('#accounts-list .paging', { hasText: 'Rows 1–50 of 52' }).waitFor();
  await page.goto(`${ui.baseUrl}/crm/accounts?search=Paging&page=3`);
  assert.match(await paging(), /of 52/);
  assert.equal(await page.locator('#accounts-list tbody td.empty').count(), 1, 'past the end');
  const bad = await page.goto(`${ui.baseUrl}/crm/accounts?page=0`);
  assert.equal(bad?.status(), 400);
});

test('the account card shows the label of a payment term the integration added to the option set', {
  skip,
}, async () => {
  const { client } = ui.fx;
  const added = await client.callAction<{ NewOptionValue: number }>('InsertOptionValue', {
    EntityLogicalName: 'account',
    AttributeLogicalName: 'paymenttermscode',
    Label: { LocalizedLabels: [{ Label: '10 DAYS NET', LanguageCode: 1033 }] },
  });
  assert.ok(added.ok && added.value);
  const made = await client.create('accounts', {
    name: 'Terms of ten days',
    paymenttermscode: added.value.NewOptionValue,
  });
  assert.ok(made.ok);
  const { page } = admin;
  await page.goto(`${ui.baseUrl}/crm/accounts/${made.value.id}`);
  const card = (await page.locator('main').textContent()) ?? '';
  assert.match(card, /Payment terms\s*10 DAYS NET/);
  assert.doesNotMatch(card, new RegExp(String(added.value.NewOptionValue)));
});
