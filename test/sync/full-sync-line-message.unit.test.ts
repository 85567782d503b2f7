import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FullSyncLine } from '../../src/integration/full-sync/full-sync-lines.ts';
import { MOVED_LINE_MESSAGE } from '../../src/integration/full-sync/full-sync-lines.ts';
import { failedRecordsMessage, whatHappened } from '../../src/integration/full-sync/line-status.ts';
import {
  nothingToStart,
  type ReviewLine,
  restartMessage,
} from '../../src/integration/full-sync/review-messages.ts';
import { COUNTER_ORDER, countersText } from '../../src/sync/counters-text.ts';
import { COUNTER_NAMES } from '../../src/sync/model.ts';

const line = {
  mapping: 'ITEM UOM',
  failed: 2,
  skipped: 0,
  summary: '5 inserted, 2 failed',
  children: [],
};

test("a line with failed records says the mapping's regular job retries them only while that job is on", () => {
  assert.equal(
    failedRecordsMessage({ ...line, children: ['ITEM-PRODUCT'], jobEnabled: true }),
    "2 records failed (5 inserted, 2 failed); its dependent line ITEM-PRODUCT went on regardless. See them: `kobling errors --mapping 'ITEM UOM'`; after the fix the mapping's regular job retries them (`kobling sync 'ITEM UOM'` now), or `kobling sync full --restart 'ITEM UOM'` runs the line again",
  );
  const off = failedRecordsMessage({ ...line, jobEnabled: false });
  assert.equal(
    off,
    "2 records failed (5 inserted, 2 failed). See them: `kobling errors --mapping 'ITEM UOM'`; after the fix `kobling sync 'ITEM UOM'` retries them (the mapping's regular job is off), or `kobling sync full --restart 'ITEM UOM'` runs the line again",
  );
  assert.doesNotMatch(off, /regular job retries/);
  // One failed record, two dependent lines: each word in its number.
  assert.equal(
    failedRecordsMessage({
      ...line,
      failed: 1,
      summary: '5 inserted, 1 failed',
      children: ['ITEM-PRODUCT', 'PRICE'],
      jobEnabled: true,
    }),
    "1 record failed (5 inserted, 1 failed); its dependent lines ITEM-PRODUCT, PRICE went on regardless. See them: `kobling errors --mapping 'ITEM UOM'`; after the fix the mapping's regular job retries it (`kobling sync 'ITEM UOM'` now), or `kobling sync full --restart 'ITEM UOM'` runs the line again",
  );
});

test('a line with records skipped after failing says so, lists them with `kobling skipped` and retries them with `kobling skipped retry`', () => {
  assert.equal(
    failedRecordsMessage({
      ...line,
      mapping: 'CUSTOMER',
      failed: 0,
      skipped: 1,
      summary: '48 unchanged, 1 skipped',
      jobEnabled: true,
    }),
    '1 record skipped after failing twice with the same message (48 unchanged, 1 skipped): no regular run retries it. See them: `kobling skipped --mapping CUSTOMER`; after the fix `kobling skipped retry --mapping CUSTOMER` retries it, or `kobling sync full --restart CUSTOMER` runs the line again',
  );
  assert.equal(
    failedRecordsMessage({ ...line, mapping: 'CUSTOMER', failed: 2, skipped: 1, jobEnabled: true }),
    "2 records failed (5 inserted, 2 failed); 1 record of the mapping is skipped after failing twice with the same message: no regular run retries it. See them: `kobling errors --mapping CUSTOMER`, `kobling skipped --mapping CUSTOMER`; after the fix the mapping's regular job retries the one not skipped (`kobling sync CUSTOMER` now), `kobling skipped retry --mapping CUSTOMER` the skipped one, or `kobling sync full --restart CUSTOMER` runs the line again",
  );
  assert.equal(
    failedRecordsMessage({
      ...line,
      mapping: 'CUSTOMER',
      failed: 0,
      skipped: 2,
      summary: '48 unchanged, 2 skipped',
      jobEnabled: true,
    }),
    '2 records skipped after failing twice with the same message (48 unchanged, 2 skipped): no regular run retries them. See them: `kobling skipped --mapping CUSTOMER`; after the fix `kobling skipped retry --mapping CUSTOMER` retries them, or `kobling sync full --restart CUSTOMER` runs the line again',
  );
  assert.equal(
    failedRecordsMessage({
      ...line,
      mapping: 'CUSTOMER',
      failed: 4,
      skipped: 2,
      summary: '5 inserted, 4 failed',
      jobEnabled: true,
    }),
    "4 records failed (5 inserted, 4 failed); 2 records of the mapping are skipped after failing twice with the same message: no regular run retries them. See them: `kobling errors --mapping CUSTOMER`, `kobling skipped --mapping CUSTOMER`; after the fix the mapping's regular job retries the ones not skipped (`kobling sync CUSTOMER` now), `kobling skipped retry --mapping CUSTOMER` the skipped ones, or `kobling sync full --restart CUSTOMER` runs the line again",
  );
  // The only failed record is the skipped one: counted once, with the skipped records' advice.
  const same = failedRecordsMessage({
    ...line,
    mapping: 'CUSTOMER',
    failed: 1,
    skipped: 1,
    jobEnabled: true,
  });
  assert.match(
    same,
    /; after the fix `kobling skipped retry --mapping CUSTOMER` retries it, or `kobling sync full --restart CUSTOMER` runs the line again$/,
  );
  assert.doesNotMatch(same, /regular job retries/);
});

test('the web shows what happened without the CLI how-to', () => {
  const message = failedRecordsMessage({ ...line, children: ['ITEM-PRODUCT'], jobEnabled: true });
  assert.equal(
    whatHappened(message),
    '2 records failed (5 inserted, 2 failed); its dependent line ITEM-PRODUCT went on regardless',
  );
});

test('a restarted line under a failed parent says to restart the parent first; under one at work, when it starts', () => {
  const at = (mapping: string, status: FullSyncLine['status'], o: Partial<FullSyncLine> = {}) =>
    ({ mapping, status, dependencyFilter: '', message: null, ...o }) as FullSyncLine;
  const contact = at('CONTACT', 'Pending', { dependencyFilter: 'CUSTOMER' });
  const failed = at('CUSTOMER', 'Failed', { message: 'ToIntegrationTable: CRM unreachable' });
  assert.equal(
    restartMessage('CONTACT', [failed, contact], []),
    'Restarted the full synchronization of CONTACT; it waits for CUSTOMER, which failed (ToIntegrationTable: CRM unreachable): restart CUSTOMER first.',
  );
  assert.equal(
    restartMessage('CONTACT', [at('CUSTOMER', 'Running'), contact], []),
    'Restarted the full synchronization of CONTACT; it starts when CUSTOMER is done.',
  );
  // Two parents failed, one still at work; its failed dependent line follows it.
  const child = at('CHILD', 'Pending', { dependencyFilter: 'CUSTOMER|CURRENCY|UNIT' });
  assert.equal(
    restartMessage(
      'CHILD',
      [failed, at('CURRENCY', 'Failed'), at('UNIT', 'Queued'), child],
      ['GRANDCHILD'],
    ),
    'Restarted the full synchronization of CHILD; it waits for CUSTOMER, which failed (ToIntegrationTable: CRM unreachable), and for CURRENCY, which failed (see its jobs), and for UNIT, not done yet: restart them first; its failed dependent line GRANDCHILD restarts when it has finished.',
  );
  assert.equal(
    restartMessage('CONTACT', [at('CUSTOMER', 'Finished'), at('CONTACT', 'Queued')], []),
    'Restarted the full synchronization of CONTACT.',
  );
});

test('the review offers Start only when it would start something, and otherwise says what Start would answer', () => {
  const at = (mapping: string, status: ReviewLine['status'], o: Partial<ReviewLine> = {}) =>
    ({ mapping, status, dependencyFilter: '', message: null, waitingFor: [], ...o }) as ReviewLine;
  assert.equal(nothingToStart([]), undefined, 'no line yet: Start writes them');
  assert.equal(nothingToStart([at('CUSTOMER', 'NotStarted')]), undefined);
  assert.equal(nothingToStart([at('CURRENCY', 'Finished'), at('CUSTOMER', 'Pending')]), undefined);
  // Not started since a move to another organization: only Start starts it, also under parents.
  const moved = { message: MOVED_LINE_MESSAGE, waitingFor: ['CURRENCY'] };
  assert.equal(
    nothingToStart([at('CURRENCY', 'Queued'), at('CUSTOMER', 'Pending', moved)]),
    undefined,
  );
  assert.equal(
    nothingToStart([at('CURRENCY', 'Finished'), at('CONTACT', 'NotNeeded')]),
    'Nothing to start: every line has finished or had nothing to synchronize. Restart a line to run it again.',
  );
  assert.equal(
    nothingToStart([
      at('BROKEN', 'Failed'),
      at('CUSTOMER', 'FinishedWithErrors'),
      at('CONTACT', 'NotNeeded'),
    ]),
    'Nothing to start: every line has finished, failed or had nothing to synchronize (BROKEN failed; CUSTOMER with failed records). Restart a line to run it again.',
  );
  assert.equal(
    nothingToStart([
      at('CURRENCY', 'Running'),
      at('CUSTOMER', 'Pending', { waitingFor: ['CURRENCY'] }),
    ]),
    'Nothing new to start: CURRENCY already at work.',
  );
  // Queued (after a shutdown, say): not at work until a worker takes it.
  assert.equal(
    nothingToStart([at('CURRENCY', 'Running'), at('CUSTOMER', 'Queued')]),
    'Nothing new to start: CURRENCY already at work; CUSTOMER queued, waiting for a worker.',
  );
  assert.match(
    nothingToStart([
      at('CURRENCY', 'Failed'),
      at('CUSTOMER', 'Pending', { waitingFor: ['CURRENCY (failed: see its jobs)'] }),
    ]) ?? '',
    /^Nothing could start: CUSTOMER waits for CURRENCY \(failed: see its jobs\)\. Fix the failed line, then restart it\.$/,
  );
});

test('counters read in the order of the bars (+inserted ~modified ✗failed), then the others', () => {
  assert.equal(
    countersText({ unchanged: 300, failed: 1, modified: 2, inserted: 4, skipped: 1 }),
    '4 inserted, 2 modified, 1 failed, 300 unchanged, 1 skipped',
  );
  assert.deepEqual([...COUNTER_ORDER].sort(), [...COUNTER_NAMES].sort(), 'every counter, once');
});
