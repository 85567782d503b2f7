import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEntity, deleteEntity, readChanges } from '../../src/erp/public-api.ts';
import { erpPort } from '../../src/integration/adapters/erp-port.ts';
import { must } from '../erp/fixtures.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('erpport');
});
after(() => db.drop());

test("the engine's ERP port reads the ERP's own change feed, with the integration's computed fields", async () => {
  const port = erpPort(db);
  must(await createEntity(db, 'unitsOfMeasure', { code: 'PCS', displayName: 'Pieces' }));
  const start = must(await readChanges(db, 'items', 0)).nextSeq;
  const item = must(
    await createEntity(db, 'items', {
      number: 'FEED1',
      displayName: 'Feed',
      baseUnitOfMeasureCode: 'PCS',
    }),
  );
  const page = await port.changedSince('items', start, 10);
  assert.equal(page.more, false);
  assert.deepEqual(
    page.records.map((r) => [r.id, r.values['unitGroupCode'], r.modifiedBy]),
    [[item.id, 'ITEMFEED1', 'user']],
  );
  assert.equal(page.nextSeq, await port.currentSeq());
  // The view over items and resources (no table of its own) reads the same feed.
  const groups = await port.changedSince('unitGroups', start, 10);
  assert.deepEqual(
    groups.records.map((r) => r.values['code']),
    ['ITEMFEED1'],
  );
});

test('a page of deletions only moves the position on: the records behind it come next', async () => {
  const port = erpPort(db);
  const start = must(await readChanges(db, 'shippingAgents', 0)).nextSeq;
  for (const code of ['D1', 'D2', 'D3']) {
    const a = must(await createEntity(db, 'shippingAgents', { code, displayName: code }));
    must(await deleteEntity(db, 'shippingAgents', a.id));
  }
  const kept = must(await createEntity(db, 'shippingAgents', { code: 'K', displayName: 'K' }));
  const first = await port.changedSince('shippingAgents', start, 2);
  assert.deepEqual([first.records.length, first.more], [0, true]);
  assert.ok(first.nextSeq > start);
  let after = first.nextSeq;
  const seen: string[] = [];
  for (;;) {
    const page = await port.changedSince('shippingAgents', after, 2);
    seen.push(...page.records.map((r) => r.id));
    if (!page.more) break;
    after = page.nextSeq;
  }
  assert.deepEqual(seen, [kept.id]);
});
