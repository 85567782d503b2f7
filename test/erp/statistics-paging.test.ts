import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATISTICS_PAGE_SIZE } from '../../src/erp/api/dispatch.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { make, startErpApi } from './fixtures.ts';

const fx = useFixture(() =>
  startErpApi({
    role: 'readOnly',
    beforeServer: async (db) => {
      for (let i = 0; i < STATISTICS_PAGE_SIZE + 20; i++)
        await make(db, 'customers', { displayName: `Paged customer ${i}` });
    },
  }),
);

test('customerFinancialDetails pages: at most one page of statistics per request, the rest by nextLink', async () => {
  const total = (await fx.api.get('customers?$count=true&$top=1')).body['@odata.count'] as number;
  const seen = new Set<string>();
  let next: string | undefined = 'customerFinancialDetails';
  let pages = 0;
  while (next) {
    const r = await fx.api.get(next);
    assert.equal(r.status, 200);
    assert.ok(r.body.value.length <= STATISTICS_PAGE_SIZE);
    for (const s of r.body.value) seen.add(s.customerId);
    next = r.body['@odata.nextLink'];
    pages++;
  }
  assert.equal(seen.size, total, 'every customer exactly once over the pages');
  assert.equal(pages, Math.ceil(total / STATISTICS_PAGE_SIZE));

  const asked = await fx.api.get(`customerFinancialDetails?$top=${STATISTICS_PAGE_SIZE + 5}`);
  assert.equal(asked.body.value.length, STATISTICS_PAGE_SIZE, 'a large $top is served in pages');
  const rest = await fx.api.get(asked.body['@odata.nextLink']);
  assert.equal(rest.body.value.length, 5, 'the next page holds what $top still asks for');
  assert.equal(rest.body['@odata.nextLink'], undefined);
  const small = await fx.api.get('customerFinancialDetails?$top=3');
  assert.equal(small.body.value.length, 3);
  assert.equal(small.body['@odata.nextLink'], undefined);
});
