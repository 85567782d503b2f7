import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedDemoCompany } from '../../src/erp/demo/seed-demo.ts';
import { customerStatistics, listEntities } from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
});
after(() => db.drop());

const count = async (table: string) =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM erp.${table}`)).rows[0]!.n);

test('the demo company loads once, deterministically, with open and posted documents', async () => {
  const first = must(await seedDemoCompany(db));
  assert.deepEqual(first, {
    customers: 50,
    contacts: first!.contacts,
    items: 30,
    resources: 5,
    quotes: 3,
    orders: 3,
    invoices: 4,
    draftInvoices: 1,
    creditMemos: 1,
  });
  assert.ok(first!.contacts >= 100);
  assert.equal(must(await seedDemoCompany(db)), undefined, 'a second run loads nothing');
  assert.equal(await count('companies'), 1);
  assert.equal(await count('customers'), 50);
  assert.equal(await count('salespeople'), 3);
  assert.equal(await count('currencies'), 3);
  assert.equal(await count('sales_invoice_headers'), 4);
  const quotes = must(await listEntities(db, 'salesQuotes'));
  assert.equal(quotes.length, 3);
  const orders = must(await listEntities(db, 'salesOrders', { orderby: 'number' }));
  assert.deepEqual(
    orders.map((o) => o['status']),
    ['Open', 'Released', 'Released'],
  );
  const invoices = must(await listEntities(db, 'salesInvoices', { orderby: 'number' }));
  assert.equal(invoices[0]!['status'], 'Open');
  assert.ok((invoices[0]!['remainingAmount'] as number) > 0);
  assert.ok(
    (invoices[0]!['remainingAmount'] as number) <
      (invoices[0]!['totalAmountIncludingTax'] as number),
  );
  assert.equal(invoices[1]!['status'], 'Paid');
  const s = must(
    await customerStatistics(db, { number: invoices[0]!['customerNumber'] as string }),
  );
  assert.equal(s.balance, (invoices[0]!['remainingAmount'] as number).toFixed(2));
  const drafts = must(await listEntities(db, 'draftSalesInvoices'));
  assert.equal(drafts.length, 1);
  const owed = must(
    await customerStatistics(db, { number: drafts[0]!['customerNumber'] as string }),
  );
  assert.equal(
    owed.outstandingInvoices,
    (drafts[0]!['totalAmountIncludingTax'] as number).toFixed(2),
  );
  const [memo] = must(await listEntities(db, 'salesCreditMemos'));
  assert.equal(memo!['status'], 'Paid', 'the credit memo is applied in full');
  const credited = invoices.find((x) => x['number'] === memo!['invoiceNumber'])!;
  assert.equal(credited['status'], 'Open');
  assert.equal(
    credited['remainingAmount'],
    Math.round(
      ((credited['totalAmountIncludingTax'] as number) -
        (memo!['totalAmountIncludingTax'] as number)) *
        100,
    ) / 100,
  );
  // Deterministic: the same seed gives the same prices.
  const item = must(await listEntities(db, 'items', { filter: "number eq '1000'" }))[0]!;
  const again = await createMigratedDb('erp');
  try {
    must(await seedDemoCompany(again));
    const other = must(await listEntities(again, 'items', { filter: "number eq '1000'" }))[0]!;
    assert.equal(other['unitPrice'], item['unitPrice']);
    assert.equal(other['inventory'], item['inventory']);
  } finally {
    await again.drop();
  }
});
