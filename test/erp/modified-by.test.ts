import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixture } from '../helpers/use-fixture.ts';
import { erpClient } from './api-client.ts';
import { make, startErpApi } from './fixtures.ts';

const fx = useFixture(() => startErpApi());

const modifiedBy = async (table: string, id: string) =>
  (
    await fx.db.query<{ by: string }>(`SELECT modified_by AS by FROM erp.${table} WHERE id = $1`, [
      id,
    ])
  ).rows[0]?.by;

test('an ERP API write names its caller as modified by (the conflict inbox shows who changed the ERP side)', async () => {
  const olivia = erpClient(
    fx.server,
    await fx.server.tokenFor('orderProcessor', 'olivia'),
    fx.ids.companyId,
  );
  const created = await olivia.post('customers', { displayName: 'Made by Olivia' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(await modifiedBy('customers', created.body.id), 'olivia');

  const other = await make(fx.db, 'customers', { displayName: 'Made in the ERP itself' });
  const otherId = (other as { id: string }).id;
  assert.equal(
    await modifiedBy('customers', otherId),
    'user',
    'a write outside the API keeps the default',
  );
  const read = await olivia.get(`customers(${otherId})`);
  const patched = await olivia.patch(
    `customers(${otherId})`,
    { displayName: 'Renamed by Olivia' },
    read.body['@odata.etag'],
  );
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(await modifiedBy('customers', otherId), 'olivia');

  const order = await olivia.post('salesOrders', {
    customerNumber: 'C-EUR',
    salesOrderLines: [{ lineObjectNumber: 'I-1', quantity: 2 }],
  });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  assert.equal(await modifiedBy('sales_headers', order.body.id), 'olivia');
});

test("a person whose user name is the integration's actor is not taken for the integration", async () => {
  const namesake = erpClient(
    fx.server,
    await fx.server.tokenFor('orderProcessor', 'integration'),
    fx.ids.companyId,
  );
  const created = await namesake.post('customers', { displayName: 'Made by a namesake' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(await modifiedBy('customers', created.body.id), 'user integration');
});
