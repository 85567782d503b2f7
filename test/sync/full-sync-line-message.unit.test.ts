import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedRecordsMessage } from '../../src/integration/full-sync/line-status.ts';

const line = { mapping: 'ITEM UOM', failed: 2, summary: '5 inserted, 2 failed', children: [] };

test("a line with failed records says the mapping's regular job retries them only while that job is on", () => {
  assert.equal(
    failedRecordsMessage({ ...line, children: ['ITEM-PRODUCT'], jobEnabled: true }),
    "2 record(s) failed (5 inserted, 2 failed); its dependent line(s) ITEM-PRODUCT went on regardless. See them: `kobling errors --mapping 'ITEM UOM'`; after the fix the mapping's regular job retries them (`kobling sync 'ITEM UOM'` now), or `kobling sync full --restart 'ITEM UOM'` runs the line again",
  );
  const off = failedRecordsMessage({ ...line, jobEnabled: false });
  assert.equal(
    off,
    "2 record(s) failed (5 inserted, 2 failed). See them: `kobling errors --mapping 'ITEM UOM'`; after the fix `kobling sync 'ITEM UOM'` retries them (the mapping's regular job is off), or `kobling sync full --restart 'ITEM UOM'` runs the line again",
  );
  assert.doesNotMatch(off, /regular job retries/);
});
