import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserUnavailable, logIn, openBrowser } from './browser.ts';
import { PASSWORD, useAdminSession } from './ui-fixture.ts';

/**
 * Two choices the API had and the pages lacked: a mapping's real-time switch (admins toggle it on
 * the table mapping page) and posting a payment unapplied when the invoice it names is already
 * paid (the payment form).
 */

const skip = browserUnavailable();
if (skip) console.log(`# browser tests skipped: ${skip}`);

const { ui, admin } = useAdminSession(skip);

const storedRealtime = async (name: string) =>
  (
    await ui.db.query<{ realtime: boolean | null }>(
      'SELECT realtime FROM integration.table_mappings WHERE name = $1',
      [name],
    )
  ).rows[0]!.realtime;

test('an admin turns a mapping’s real-time propagation off and on again: the message says what changed, the box and the list follow; others cannot', {
  skip,
}, async () => {
  const { page } = admin;
  assert.equal(await storedRealtime('CUSTOMER'), null, 'the default (on for master data)');
  await page.goto(`${ui.baseUrl}/integration/mappings/CUSTOMER`);
  const box = page.getByRole('region', { name: 'Real-time propagation' });
  await box.getByText('On', { exact: true }).waitFor();
  await box.getByText(/The default for this table/).waitFor();

  await box.getByRole('button', { name: 'Turn real-time propagation off' }).click();
  await page
    .locator('#flash [role=status]')
    .getByText(
      /Real-time propagation of CUSTOMER is now off \(it was on\): within 5 s running workers stop carrying its changes, which then wait for its scheduled job \(every \d+ min\)\./,
    )
    .waitFor();
  await box.getByRole('button', { name: 'Turn real-time propagation on' }).waitFor();
  assert.equal(await box.getByText('Off', { exact: true }).count(), 1);
  assert.equal(await box.getByText(/The default for this table/).count(), 0);
  assert.equal(await storedRealtime('CUSTOMER'), false);
  await admin.shot('table-mapping-realtime-off');

  await page.goto(`${ui.baseUrl}/integration/mappings`);
  const row = page.getByRole('row', { name: /^CUSTOMER/ });
  const header = await page.locator('#mappings thead th').allTextContents();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[header.indexOf('Real-time')], 'off', 'the list shows the switch');

  await page.goto(`${ui.baseUrl}/integration/mappings/CUSTOMER`);
  await box.getByRole('button', { name: 'Turn real-time propagation on' }).click();
  await page
    .locator('#flash [role=status]')
    .getByText(/Real-time propagation of CUSTOMER is now on \(it was off\)/)
    .waitFor();
  await box.getByRole('button', { name: 'Turn real-time propagation off' }).waitFor();
  assert.equal(await storedRealtime('CUSTOMER'), true);

  // An order processor sees the switch but has no toggle, and a request of its own is refused.
  const processor = await openBrowser();
  try {
    await logIn(processor.page, ui.baseUrl, ui.users.orderProcessor, PASSWORD);
    await processor.page.goto(`${ui.baseUrl}/integration/mappings/CUSTOMER`);
    const theirs = processor.page.getByRole('region', { name: 'Real-time propagation' });
    await theirs.getByText('On', { exact: true }).waitFor();
    assert.equal(await theirs.getByRole('button').count(), 0);
    const headers = JSON.parse(
      (await processor.page.locator('body').getAttribute('hx-headers')) ?? '{}',
    ) as Record<string, string>;
    const refused = await processor.page.request.post(
      `${ui.baseUrl}/integration/mappings/CUSTOMER/realtime`,
      { headers, form: { realtime: 'off' } },
    );
    const status = refused.status();
    assert.equal(status, 403);
    assert.equal(await storedRealtime('CUSTOMER'), true, 'the refusal changed nothing');
  } finally {
    await processor.close();
  }
});

test('the payment form posts a payment for an already paid invoice unapplied when asked to, and refuses it otherwise', {
  skip,
}, async () => {
  const paid = await ui.db.query<{ number: string; customer_number: string }>(
    `SELECT h.number, h.customer_number FROM erp.sales_invoice_headers h
       JOIN erp.customer_ledger_entries e ON e.document_type = 'Invoice' AND e.document_number = h.number
      WHERE e.remaining_amount = 0 ORDER BY h.number LIMIT 1`,
  );
  assert.equal(paid.rowCount, 1, 'the demo company has a paid invoice');
  const invoice = paid.rows[0]!;
  const payments = async () =>
    (
      await ui.db.query<{ number: string; remaining: string; open: boolean }>(
        `SELECT document_number AS number, remaining_amount::text AS remaining, open
           FROM erp.customer_ledger_entries
          WHERE document_type = 'Payment' AND customer_number = $1 ORDER BY id`,
        [invoice.customer_number],
      )
    ).rows;
  const before = await payments();

  const { page } = admin;
  await page.goto(`${ui.baseUrl}/sales/payments`);
  await page.getByLabel('Customer No.').fill(invoice.customer_number);
  await page.getByLabel('Amount').fill('25');
  await page.getByLabel(/Applies to invoice/).fill(invoice.number);
  await page.getByRole('button', { name: 'Post payment' }).click();
  await page
    .locator('#flash [role=alert]')
    .getByText(`Invoice ${invoice.number} is paid in full; nothing was posted.`, { exact: false })
    .waitFor();
  assert.deepEqual(await payments(), before, 'refused: nothing posted');

  await page.getByLabel('Post unapplied if that invoice is already paid').check();
  await page.getByRole('button', { name: 'Post payment' }).click();
  const done = page
    .locator('#flash [role=status]')
    .getByText(
      new RegExp(
        `posted unapplied: invoice ${invoice.number} is already paid in full, so the payment stays open`,
      ),
    );
  await done.waitFor();
  await admin.shot('payment-posted-unapplied');
  const after = await payments();
  assert.equal(after.length, before.length + 1);
  // Ledger entry ids are random: the new payment is the one that was not there before.
  const posted = after.find((p) => !before.some((b) => b.number === p.number))!;
  assert.match((await done.textContent()) ?? '', new RegExp(`Payment ${posted.number} of `));
  assert.deepEqual(
    { remaining: posted.remaining, open: posted.open },
    { remaining: '-25.00', open: true },
    'the whole payment stays open, applied to nothing',
  );
  const entry = await ui.db.query<{ remaining: string }>(
    "SELECT remaining_amount::text AS remaining FROM erp.customer_ledger_entries WHERE document_type = 'Invoice' AND document_number = $1",
    [invoice.number],
  );
  assert.equal(entry.rows[0]!.remaining, '0.00', 'the paid invoice is left as it was');
});
