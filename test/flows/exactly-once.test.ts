import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { AUTO_CREATE_ORDERS_QUEUE } from '../../src/flows/sales-documents-part.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startFlowsFixture } from './flows-fixture.ts';

const fx = useFixture(startFlowsFixture);

const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
};

test('a worker killed between the ERP commit and the CRM stamp, a second worker and concurrent Create in ERP requests never make two ERP orders of one CRM order', async () => {
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const id = await fx.crmCreate('salesorders', {
      name: `EO ${i}`,
      'customerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
    });
    await fx.crmCreate('salesorderdetails', {
      'salesorderid@odata.bind': `/salesorders(${id})`,
      'productid@odata.bind': `/products(${fx.crmIds.product})`,
      quantity: i,
    });
    await fx.crmUpdate('salesorders', id, { statecode: 1, statuscode: 3 });
    ids.push(id);
  }
  const erpOrders = async () =>
    (
      (await fx.erp.get('salesOrders')).json.value as {
        id: string;
        externalDocumentNumber: string;
      }[]
    ).filter((o) => o.externalDocumentNumber.startsWith('EO '));
  const stamped = async () => {
    const r = await fx.crm.collectAll<{
      salesorderid: string;
      lastbackofficesubmit: string | null;
    }>('salesorders', {
      select: ['salesorderid', 'lastbackofficesubmit'],
      filter: "startswith(name,'EO ')",
    });
    assert.ok(r.ok);
    return new Map(r.value.map((o) => [o.salesorderid, o.lastbackofficesubmit]));
  };
  const switched = await fx.api.patch('/connection', { autoCreateSalesOrders: true });
  assert.equal(switched.status, 200, switched.text);

  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const boss = await startJobQueue(fx.db, createLogger('silent'));
  try {
    // Every CRM request takes a second, so the worker is still waiting for the CRM to accept the
    // stamp when the test sees the first ERP order committed, and kills it there.
    fx.emulator.setFaults({ rate: 0, latencyMs: 1000 });
    const first = spawnKobling(['worker'], env);
    await first.waitFor(/Kobling worker (\S+) is running/, 60_000);
    await boss.send(AUTO_CREATE_ORDERS_QUEUE, {});
    await until('the first ERP order', async () => (await erpOrders()).length > 0);
    first.child.kill('SIGKILL');
    await first.exited();
    fx.emulator.setFaults(undefined);
    const made = await erpOrders();
    assert.equal(made.length, 1, 'the killed worker committed one order');
    assert.equal((await stamped()).get(made[0]!.id), null, 'and died before stamping it');

    const second = spawnKobling(['worker'], env);
    try {
      await second.waitFor(/Kobling worker (\S+) is running/, 60_000);
      await boss.send(AUTO_CREATE_ORDERS_QUEUE, {});
      const requests = await Promise.all(
        [0, 1, 2].map(() => fx.api.post('/crmSalesOrders/createInErp', { crmIds: ids })),
      );
      for (const r of requests) assert.equal(r.status, 200, r.text);
      await until('every CRM order stamped', async () =>
        [...(await stamped()).values()].every((v) => v !== null),
      );
    } finally {
      await second.stop();
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
  const orders = await erpOrders();
  assert.equal(orders.length, 4, 'one ERP order per CRM order');
  assert.deepEqual(orders.map((o) => o.id).sort(), [...ids].sort());
});
