import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainChanges, type Shown } from '../../src/cli/commands/full-sync-plain.ts';
import { syncProgress } from '../../src/cli/commands/sync-progress.ts';
import { redraws } from '../../src/cli/terminal.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import type { PassReport } from '../../src/sync/engine/run-mapping.ts';
import { emptyCounters } from '../../src/sync/model.ts';
import { hasControl } from '../helpers/cli.ts';

const recorder = (live: boolean) => {
  const written: string[] = [];
  return { written, out: { live, write: (text: string) => void written.push(text) } };
};

const report = (direction: PassReport['direction'], inserted: number): PassReport => ({
  jobId: direction,
  direction,
  status: 'succeeded',
  counters: { ...emptyCounters(), inserted },
});

test('progress redraws only on a terminal that understands it', () => {
  assert.equal(redraws({ isTTY: true }, {}), true);
  assert.equal(redraws({ isTTY: true }, { TERM: 'xterm-256color' }), true);
  assert.equal(redraws({ isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(redraws({ isTTY: false }, {}), false);
  assert.equal(redraws({}, {}), false, 'a pipe or a file has no isTTY');
});

test('on a terminal `kobling sync MAPPING` redraws one line with \\r and closes it at the end, as before', () => {
  const { written, out } = recorder(true);
  const p = syncProgress('CUSTOMER', out, () => 0);
  const c = { ...emptyCounters(), inserted: 3 };
  p.onProgress(c, 3, undefined);
  p.end([report('ToIntegrationTable', 3)]);
  assert.deepEqual(written, [
    '\rCUSTOMER: 3 records: 3 inserted, 0 modified, 0 failed, 0 unchanged, 0 skipped, 0 deleted, 0 uncoupled, 0 coupled   ',
    '\n',
  ]);
});

test('off a terminal: a plain line at the start and the end, one at most every 10 s in between, over both passes', () => {
  const { written, out } = recorder(false);
  let clock = 1_000;
  const p = syncProgress('CUSTOMER', out, () => clock);
  const toCrm = emptyCounters();
  for (let done = 1000; done <= 3000; done += 1000) {
    clock += 3_000;
    toCrm.inserted = done;
    p.onProgress(toCrm, done, undefined);
  }
  assert.equal(written.length, 1, `nothing but the start within 10 s: ${written.join('')}`);
  clock += 1_000; // 10 s after the start: the first progress line
  p.onProgress(toCrm, 3000, undefined);
  // The second pass starts from 0 in counters of its own; the lines add them to the first's.
  const toErp = emptyCounters();
  clock += 4_000;
  toErp.modified = 500;
  p.onProgress(toErp, 500, undefined);
  clock += 6_000;
  toErp.modified = 1000;
  p.onProgress(toErp, 1000, undefined);
  clock += 500;
  p.end([
    report('ToIntegrationTable', 3000),
    { ...report('FromIntegrationTable', 0), counters: toErp },
  ]);
  assert.deepEqual(written, [
    'CUSTOMER: synchronizing\n',
    'CUSTOMER: 3000 records so far: 3000 inserted, 0 modified, 0 failed, 0 unchanged, 0 skipped, 0 deleted, 0 uncoupled, 0 coupled · 300/s\n',
    'CUSTOMER: 4000 records so far: 3000 inserted, 1000 modified, 0 failed, 0 unchanged, 0 skipped, 0 deleted, 0 uncoupled, 0 coupled · 200/s\n',
    'CUSTOMER: finished in 20.5 s: 4000 records: 3000 inserted, 1000 modified, 0 failed, 0 unchanged, 0 skipped, 0 deleted, 0 uncoupled, 0 coupled\n',
  ]);
  assert.ok(!written.some(hasControl));
});

test('one record is "1 record", counted as the job log words it ("1 failed")', () => {
  const { written, out } = recorder(false);
  const p = syncProgress('CUSTOMER', out, () => 0);
  const c = { ...emptyCounters(), failed: 1 };
  p.onProgress(c, 1, undefined);
  p.end([{ ...report('ToIntegrationTable', 0), counters: c }]);
  assert.match(
    written.at(-1)!,
    /^CUSTOMER: finished in 0\.0 s: 1 record: 0 inserted, .* 1 failed, /,
  );
  const live = recorder(true);
  syncProgress('CUSTOMER', live.out, () => 0).onProgress(c, 1, undefined);
  assert.match(live.written[0]!, /^\rCUSTOMER: 1 record: /);
});

test('a run whose pass failed before touching a record says nothing was synchronized, and why when known, not a row of zero counters; one that did something keeps its totals', () => {
  const failed = { ...report('FromIntegrationTable', 0), status: 'failed' as const };
  const plain = recorder(false);
  syncProgress('ITEM', plain.out, () => 0).end([report('ToIntegrationTable', 0), failed]);
  assert.equal(plain.written.at(-1), 'ITEM: nothing synchronized: 1 of 2 passes failed\n');
  const why = recorder(true);
  syncProgress('ITEM', why.out, () => 0).end(
    [failed],
    'the CRM at 127.0.0.1:18181 is not reachable (ECONNREFUSED)',
  );
  assert.deepEqual(why.written, [
    '\n',
    'ITEM: nothing synchronized: the CRM at 127.0.0.1:18181 is not reachable (ECONNREFUSED)\n',
  ]);
  const some = recorder(false);
  syncProgress('ITEM', some.out, () => 0).end([report('ToIntegrationTable', 2), failed]);
  assert.equal(
    some.written.at(-1),
    'ITEM: finished in 0.0 s (1 of 2 passes failed): 0 records: 2 inserted, 0 modified, 0 failed, 0 unchanged, 0 skipped, 0 deleted, 0 uncoupled, 0 coupled\n',
  );
});

const line = (mapping: string, status: string, done = 0): ReviewLine =>
  ({ mapping, status, done, total: 100, counters: {}, waitingFor: [] }) as unknown as ReviewLine;

test('off a terminal `kobling sync full` writes every line once, then a line when its status changes and at most every 10 s while it runs', () => {
  const shown: Shown = new Map();
  const render = (l: ReviewLine) => `${l.mapping} ${l.status} ${l.done}`;
  const at = (now: number, lines: ReviewLine[]) => plainChanges(lines, shown, now, render);
  assert.deepEqual(at(0, [line('CURRENCY', 'Queued'), line('CUSTOMER', 'Pending')]), [
    'CURRENCY Queued 0',
    'CUSTOMER Pending 0',
  ]);
  assert.deepEqual(at(1_000, [line('CURRENCY', 'Queued'), line('CUSTOMER', 'Pending')]), []);
  assert.deepEqual(at(2_000, [line('CURRENCY', 'Running', 10), line('CUSTOMER', 'Pending')]), [
    'CURRENCY Running 10',
  ]);
  assert.deepEqual(at(11_000, [line('CURRENCY', 'Running', 50), line('CUSTOMER', 'Pending')]), []);
  assert.deepEqual(at(12_000, [line('CURRENCY', 'Running', 60), line('CUSTOMER', 'Pending')]), [
    'CURRENCY Running 60',
  ]);
  assert.deepEqual(at(13_000, [line('CURRENCY', 'Finished', 100), line('CUSTOMER', 'Queued')]), [
    'CURRENCY Finished 100',
    'CUSTOMER Queued 0',
  ]);
  assert.deepEqual(
    at(60_000, [line('CURRENCY', 'Finished', 100), line('CUSTOMER', 'Queued')]),
    [],
    'a finished or queued line is not repeated',
  );
});
