import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AppContext } from '../../src/app/context.ts';
import { startRealtimePickups } from '../../src/flows/realtime-pickups.ts';
import { AUTO_CREATE_ORDERS_QUEUE } from '../../src/flows/sales-documents-part.ts';
import { autoCreateSalesOrders } from '../../src/flows/sales-orders/order-pickup.ts';
import { type FlowsFixture, startFlowsFixture } from '../flows/flows-fixture.ts';
import { testConfig } from '../helpers/server.ts';

let fx: FlowsFixture;
let pickups: { stop(): Promise<void> };

before(async () => {
  fx = await startFlowsFixture();
  const ctx: AppContext = {
    ...fx.server.ctx,
    config: testConfig({ KOBLING_SECRET_KEY: 'k'.repeat(40), KOBLING_REALTIME_POLL_MS: '300' }),
  };
  // No job queue and no schedule here: only the real-time watch can pick the order up.
  await fx.api.patch('/connection', { autoCreateSalesOrders: true });
  pickups = await startRealtimePickups(ctx, [
    {
      entitySet: 'salesorders',
      switchName: 'autoCreateSalesOrders',
      queue: AUTO_CREATE_ORDERS_QUEUE,
      work: autoCreateSalesOrders,
    },
  ]);
});
after(async () => {
  await pickups?.stop();
  await fx?.close();
});

test('a submitted CRM order becomes an ERP order within seconds, with no scheduled pickup', async () => {
  const id = await fx.crmCreate('salesorders', {
    name: 'Real-time order',
    'customerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
  });
  await fx.crmCreate('salesorderdetails', {
    'salesorderid@odata.bind': `/salesorders(${id})`,
    'productid@odata.bind': `/products(${fx.crmIds.product})`,
    quantity: 2,
  });
  await fx.crmUpdate('salesorders', id, { statecode: 1, statuscode: 3 });
  const deadline = Date.now() + 30_000;
  let status: string | undefined;
  while (Date.now() < deadline) {
    const row = (await fx.api.get('/crmSalesOrders')).json.value.find(
      (o: { crmId: string }) => o.crmId === id,
    );
    status = row?.erpStatus;
    if (status === 'created') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 'created');
});
