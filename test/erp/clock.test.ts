import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../../src/shared/clock.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startErpApi } from './fixtures.ts';

// Dates the ERP fills in by itself (document date, posting date, due date, statistics "as of")
// come from the server's clock, so a test can pin "today".
const clock = fixedClock('2031-03-04T10:00:00Z');
const fx = useFixture(() => startErpApi({ database: 'erpclock', clock }));

test('default dates are the clock’s day, not the machine’s', async () => {
  const order = await fx.api.post('salesOrders', {
    customerNumber: 'C-EUR',
    salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
  });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  assert.equal(order.body.orderDate, '2031-03-04');
  clock.advance(24 * 3600 * 1000);
  const posted = await fx.api.action(`salesOrders(${order.body.id})/Microsoft.NAV.shipAndInvoice`);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const invoice = await fx.api.get(`salesInvoices(${posted.body.invoiceId})`);
  assert.equal(invoice.body.postingDate, '2031-03-05');
  const stats = await fx.api.get(`customers(${order.body.customerId})/customerFinancialDetails`);
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
});
