import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  archiveDocument,
  createEntity,
  createSalesDocument,
  getSalesSetup,
  listArchives,
  listEntities,
  updateSalesDocument,
  updateSalesSetup,
} from '../../src/erp/public-api.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { basicCompany, must } from './fixtures.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erp');
  await basicCompany(db);
});
after(() => db.drop());

test('the write-in product must exist as the chosen type', async () => {
  const bad = await updateSalesSetup(db, {
    writeInProductType: 'Item',
    writeInProductNumber: 'R-1',
  });
  assert.equal(!bad.ok && bad.error.code, 'invalid_reference');
  const good = must(
    await updateSalesSetup(db, { writeInProductType: 'Resource', writeInProductNumber: 'R-1' }),
  );
  assert.equal(good['writeInProductNumber'], 'R-1');
  const setup = must(await getSalesSetup(db));
  assert.equal(setup['writeInProductType'], 'Resource');
  assert.equal(setup['archiveQuotes'], true);
  const series = await updateSalesSetup(db, { orderNos: 'NOPE' });
  assert.equal(!series.ok && series.error.code, 'invalid_reference');
});

test('an order can be linked to a quote, and quotes are archived as numbered versions', async () => {
  const quote = must(
    await createSalesDocument(db, {
      documentType: 'Quote',
      header: { customerNumber: 'C-EUR', yourReference: 'QUO-1001' },
      lines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 2 }],
    }),
  );
  const v1 = must(await archiveDocument(db, 'Quote', quote.id));
  must(await updateSalesDocument(db, 'Quote', quote.id, { yourReference: 'QUO-1001 rev 1' }, {}));
  const v2 = must(await archiveDocument(db, 'Quote', quote.id));
  assert.deepEqual([v1['versionNumber'], v2['versionNumber']], [1, 2]);
  const versions = must(await listArchives(db, 'Quote', {}, quote['number'] as string));
  assert.deepEqual(
    versions.map((v) => (v['header'] as { yourReference: string }).yourReference),
    ['QUO-1001', 'QUO-1001 rev 1'],
  );
  const order = must(
    await createSalesDocument(db, {
      documentType: 'Order',
      header: { customerNumber: 'C-EUR', quoteNumber: quote['number'] },
    }),
  );
  assert.equal(order['quoteNumber'], quote['number']);
});

test('unit prices: best price of customer, price group and all customers; VAT-inclusive items', async () => {
  must(await createEntity(db, 'customerPriceGroups', { code: 'WHOLESALE' }));
  const customer = must(
    await createEntity(db, 'customers', {
      number: 'C-WS',
      displayName: 'Wholesaler',
      customerPriceGroupCode: 'WHOLESALE',
    }),
  );
  for (const p of [
    { salesType: 'Customer Price Group', salesCode: 'WHOLESALE', unitPrice: 11 },
    {
      salesType: 'Customer Price Group',
      salesCode: 'WHOLESALE',
      minimumQuantity: 10,
      unitPrice: 10,
    },
    { salesType: 'Customer', salesCode: 'C-WS', unitPrice: 10.5, endingDate: '2020-12-31' },
    { salesType: 'All Customers', unitPrice: 12, currencyCode: 'USD' },
  ])
    must(await createEntity(db, 'salesPrices', { itemNumber: 'I-1', ...p }));
  must(
    await createEntity(db, 'items', {
      number: 'I-GROSS',
      displayName: 'Gift card',
      unitPrice: 125,
      priceIncludesTax: true,
      taxGroupCode: 'VAT25',
    }),
  );
  const order = must(
    await createSalesDocument(db, {
      documentType: 'Order',
      header: { customerNumber: customer['number'], orderDate: '2030-01-01' },
      lines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 },
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 10 },
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1, unitOfMeasureCode: 'BOX' },
        { lineType: 'Item', lineObjectNumber: 'I-GROSS', quantity: 1 },
      ],
    }),
  );
  const lines = must(
    await listEntities(db, 'salesOrderLines', { filter: `documentId eq ${order.id}` }),
  );
  assert.deepEqual(
    lines.map((l) => l['unitPrice']),
    [11, 10, 66, 100],
  );
  const other = must(
    await createSalesDocument(db, {
      documentType: 'Order',
      header: { customerNumber: 'C-USD', orderDate: '2030-01-01' },
      lines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
    }),
  );
  assert.equal(other['totalAmountExcludingTax'], 12);
});
