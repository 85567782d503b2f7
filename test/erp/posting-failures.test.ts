import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  createSalesDocument,
  type LineInput,
  postSalesOrder,
  updateEntity,
} from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { basicCompany, make, must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let ids: Awaited<ReturnType<typeof basicCompany>>;

before(async () => {
  db = await createMigratedDb('erp');
  ids = await basicCompany(db);
});
after(() => db.drop());

/** Counts of everything posting writes, to prove a failure left no trace. */
async function footprint() {
  const r = await db.query<
    { invoices: number; shipments: number; inventory: number } & Record<string, unknown>
  >(
    `SELECT (SELECT count(*) FROM erp.sales_invoice_headers)::int AS invoices,
            (SELECT count(*) FROM erp.sales_shipment_headers)::int AS shipments,
            (SELECT count(*) FROM erp.customer_ledger_entries)::int AS cle,
            (SELECT count(*) FROM erp.item_ledger_entries)::int AS ile,
            (SELECT count(*) FROM erp.outbox)::int AS events,
            (SELECT last_number FROM erp.number_series WHERE code = 'S-INV+')::int AS invoice_no,
            (SELECT sum(quantity_shipped)::float FROM erp.sales_lines) AS shipped,
            (SELECT inventory::float FROM erp.items WHERE number = 'I-1') AS inventory,
            (SELECT string_agg(status, ',') FROM erp.sales_headers) AS statuses`,
  );
  return r.rows[0]!;
}

async function order(
  lines: LineInput[] = [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 5 }],
) {
  return must(
    await createSalesDocument(db, {
      documentType: 'Order',
      header: { customerNumber: 'C-EUR' },
      lines,
    }),
  );
}

async function setBlocked(set: string, id: string, blocked: unknown) {
  must(await updateEntity(db, set, id, { blocked }));
}

beforeEach(async () => {
  await db.query('DELETE FROM erp.sales_headers');
});

async function expectRolledBack(
  orderId: string,
  input: Parameters<typeof postSalesOrder>[2],
  code: string,
) {
  const before = await footprint();
  const r = await postSalesOrder(db, orderId, input);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, code, !r.ok ? r.error.message : '');
  assert.deepEqual(await footprint(), before);
}

test('a blocked customer cannot be posted; nothing is written', async () => {
  const o = await order();
  await setBlocked('customers', ids.eur.id, 'Invoice');
  try {
    await expectRolledBack(o.id, { ship: true, invoice: true }, 'customer_blocked');
    await setBlocked('customers', ids.eur.id, 'Ship');
    await expectRolledBack(o.id, { ship: true, invoice: false }, 'customer_blocked');
  } finally {
    await setBlocked('customers', ids.eur.id, '');
  }
});

test('a blocked item cannot be posted; nothing is written, not even the release', async () => {
  const o = await order();
  await setBlocked('items', ids.item.id, true);
  try {
    await expectRolledBack(o.id, { ship: true, invoice: true }, 'item_blocked');
  } finally {
    await setBlocked('items', ids.item.id, false);
  }
});

test('an order without lines cannot be posted', async () => {
  const o = await order([]);
  await expectRolledBack(o.id, { ship: true, invoice: true }, 'no_lines');
});

test('quantities over what remains are refused, also after a partial posting', async () => {
  const o = await order();
  await expectRolledBack(
    o.id,
    { ship: true, invoice: true, lines: [{ sequence: 10000, shipQuantity: 6 }] },
    'quantity_exceeds_remaining',
  );
  await expectRolledBack(
    o.id,
    {
      ship: true,
      invoice: true,
      lines: [{ sequence: 10000, shipQuantity: 2, invoiceQuantity: 3 }],
    },
    'quantity_exceeds_remaining',
  );
  must(
    await postSalesOrder(db, o.id, {
      ship: true,
      invoice: false,
      lines: [{ sequence: 10000, shipQuantity: 4 }],
    }),
  );
  await expectRolledBack(
    o.id,
    { ship: true, invoice: false, lines: [{ sequence: 10000, shipQuantity: 2 }] },
    'quantity_exceeds_remaining',
  );
  await expectRolledBack(
    o.id,
    { ship: false, invoice: true, lines: [{ sequence: 10000, invoiceQuantity: 5 }] },
    'quantity_exceeds_remaining',
  );
  await expectRolledBack(
    o.id,
    { ship: false, invoice: true, lines: [{ sequence: 10000, invoiceQuantity: 0 }] },
    'nothing_to_post',
  );
});

test('a quantity to ship alone also invoices what it ships (BC default)', async () => {
  const o = await order();
  const r = must(
    await postSalesOrder(db, o.id, {
      ship: true,
      invoice: true,
      lines: [{ sequence: 10000, shipQuantity: 2 }],
    }),
  );
  const lines = await db.query<{
    quantity_shipped: string;
    quantity_invoiced: string;
    ship_quantity: string;
    invoice_quantity: string;
  }>(
    'SELECT quantity_shipped, quantity_invoiced, ship_quantity, invoice_quantity FROM erp.sales_lines WHERE document_id = $1',
    [o.id],
  );
  assert.deepEqual(lines.rows[0], {
    quantity_shipped: '2.00000',
    quantity_invoiced: '2.00000',
    ship_quantity: '3.00000',
    invoice_quantity: '3.00000',
  });
  assert.equal(r.orderDeleted, false);
});

test('posting the same order twice at the same time: exactly one succeeds', async () => {
  const o = await order();
  const before = await footprint();
  const results = await Promise.all([
    postSalesOrder(db, o.id, { ship: true, invoice: true }),
    postSalesOrder(db, o.id, { ship: true, invoice: true }),
  ]);
  const succeeded = results.filter((r) => r.ok);
  assert.equal(succeeded.length, 1);
  const failed = results.find((r) => !r.ok);
  assert.equal(failed && !failed.ok && failed.error.code, 'not_found');
  const after = await footprint();
  assert.equal(after.invoices, before.invoices + 1);
  assert.equal(after.shipments, before.shipments + 1);
  assert.equal(after.inventory, before.inventory - 5);
});

test('orders sharing items post concurrently without deadlocks', async () => {
  await make(db, 'items', {
    number: 'I-2',
    displayName: 'Gadget',
    unitPrice: 5,
    taxGroupCode: 'VAT25',
  });
  const pairs = [];
  for (let i = 0; i < 4; i++) {
    const a = await order([
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 },
      { lineType: 'Item', lineObjectNumber: 'I-2', quantity: 1 },
    ]);
    const b = await order([
      { lineType: 'Item', lineObjectNumber: 'I-2', quantity: 1 },
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 },
    ]);
    pairs.push(a, b);
  }
  const results = await Promise.all(
    pairs.map((o) => postSalesOrder(db, o.id, { ship: true, invoice: true })),
  );
  assert.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.error.code)),
    pairs.map(() => 'ok'),
  );
});
