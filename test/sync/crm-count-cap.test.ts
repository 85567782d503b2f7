import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRM_ENTITIES } from '../../src/integration/adapters/crm-catalogue.ts';
import { countInCrmFilter } from '../../src/integration/adapters/crm-count.ts';
import { createAccounts } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

/**
 * A full synchronization's review counts a CRM table without a filter by `$count`, which Dataverse
 * caps at 5,000: past that the count reads the keys, so the review does not show 5,000 for more.
 */
const fx = useFixture(startSyncFixture);

test("a table past $count's cap of 5,000 is counted whole, with or without a filter", async () => {
  const N = 5_040;
  const names = Array.from({ length: N }, (_, i) => `Capped ${i + 1}`);
  for (let i = 0; i < N; i += 1_000) await createAccounts(fx, names.slice(i, i + 1_000));

  const capped = await fx.client.retrieveMultiple('accounts', {
    select: ['accountid'],
    top: 1,
    count: true,
  });
  assert.ok(capped.ok);
  assert.equal(capped.value.count, 5_000, 'the CRM itself answers at most 5,000');

  const account = CRM_ENTITIES.account!;
  const all = await countInCrmFilter(fx.client, account, []);
  assert.ok(all.ok);
  assert.equal(all.value, N);
  const customers = await countInCrmFilter(fx.client, account, [
    { field: 'customertypecode', op: 'eq', value: 3 },
  ]);
  assert.ok(customers.ok);
  assert.equal(customers.value, N);
});
