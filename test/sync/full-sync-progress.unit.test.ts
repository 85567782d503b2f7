import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expectedTotal,
  type FullSyncLine,
  lineProgress,
} from '../../src/integration/full-sync/full-sync-lines.ts';
import { emptyCounters } from '../../src/sync/model.ts';
import { fullSyncLine } from '../helpers/review-line.ts';

const line = (over: Partial<FullSyncLine>): FullSyncLine =>
  fullSyncLine({
    mapping: 'X',
    position: 1,
    erpCount: 3,
    crmCount: 7,
    status: 'Running',
    done: 2,
    attempts: 1,
    ...over,
  });

test('a running line expects its source side: the ERP to the CRM, the CRM to the ERP, both when bidirectional', () => {
  assert.equal(expectedTotal(line({ direction: 'ToIntegrationTable' })), 3);
  // SALESPEOPLE on the demo: 7 CRM users read against 3 ERP salespeople showed "7/3" before.
  assert.equal(expectedTotal(line({ direction: 'FromIntegrationTable' })), 7);
  assert.equal(expectedTotal(line({ direction: 'Bidirectional' })), 10);
});

test('a bidirectional line leaves out the CRM records coupled when counted or by its matching: they come back as echoes', () => {
  // 50 customers, 16 accounts of which 14 are coupled (before the line, or by its matching): the
  // line handles 52 records. The bar read …/66 while running and 52/52 once finished before.
  const demo = { direction: 'Bidirectional', erpCount: 50, crmCount: 16 } as const;
  assert.equal(expectedTotal(line({ ...demo, crmCoupled: 0, matched: 14 })), 52);
  assert.equal(expectedTotal(line({ ...demo, crmCoupled: 14, matched: null })), 52);
  assert.equal(
    expectedTotal(line({ ...demo, crmCoupled: 16, matched: 3 })),
    50,
    'never below the ERP side',
  );
});

test('what the engine reports wins while running; a finished line handled what it had to (a full bar)', () => {
  assert.equal(expectedTotal(line({ total: 50 })), 50);
  assert.equal(expectedTotal(line({ status: 'Finished', done: 0, total: null })), 0);
  assert.equal(expectedTotal(line({ status: 'Finished', done: 7 })), 7);
});

test("a line's progress adds its passes up: each pass reports from zero with counters of its own", () => {
  const progress = lineProgress();
  const toCrm = emptyCounters();
  toCrm.inserted = 40;
  assert.deepEqual(progress(toCrm, 40, 50), {
    done: 40,
    total: 50,
    counters: { ...emptyCounters(), inserted: 40 },
  });
  toCrm.inserted = 50;
  assert.equal(progress(toCrm, 50, 50).done, 50, 'the same pass goes on: not added twice');
  const toErp = emptyCounters();
  toErp.unchanged = 2;
  const both = progress(toErp, 2, undefined);
  assert.equal(both.done, 52);
  assert.equal(both.total, undefined, 'the second pass has no total of its own yet');
  assert.deepEqual(both.counters, { ...emptyCounters(), inserted: 50, unchanged: 2 });
});

test('a line handed out again after its worker died counts on from what that run had saved', () => {
  const progress = lineProgress({ done: 3997, counters: { inserted: 3948, failed: 1 } });
  const resumed = emptyCounters();
  resumed.inserted = 1000;
  resumed.coupled = 50;
  assert.deepEqual(progress(resumed, 1050, 6000), {
    done: 5047,
    total: 9997,
    counters: { ...emptyCounters(), inserted: 4948, failed: 1, coupled: 50 },
  });
});
