import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, STATUS_WIDTH } from '../../src/cli/commands/full-sync.ts';
import { reviewSummary } from '../../src/cli/commands/full-sync-review.ts';
import {
  finishedSummary,
  idleSummary,
  ranAfterRestart,
  restartOutcome,
  stoppedSummary,
} from '../../src/cli/commands/full-sync-summary.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import {
  HEARTBEAT_EVERY_MS,
  SILENT_AFTER_MS,
  STALE_AFTER_MS,
} from '../../src/integration/full-sync/worker-reports.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { lineNote } from '../../src/web/pages/full-sync-cells.tsx';
import { reviewLine } from '../helpers/review-line.ts';

const queued: ReviewLine = reviewLine({
  direction: 'Bidirectional',
  erpCount: 5,
  status: 'Queued',
  total: 5,
  queuedAt: new Date().toISOString(),
});

test('a queued line waits for a worker when none has been seen, otherwise for a free one; no line ends in spaces', () => {
  assert.match(
    bar(queued, Date.now(), false),
    /^CUSTOMER\s+Queued\s+\[\.+\] waiting for a worker$/,
  );
  // Workers run: it waits for one of them to be free (not an empty bar and a trailing space).
  assert.match(
    bar(queued, Date.now(), true),
    /^CUSTOMER\s+Queued\s+\[\.+\] waiting for a free worker$/,
  );
  const back = {
    ...queued,
    message: 'Stopped by shutdown; continues when a worker takes it again',
  };
  assert.match(bar(back, Date.now(), true), /\] Stopped by shutdown; continues/);
  assert.match(bar(back, Date.now(), false), /\] waiting for a worker · Stopped by shutdown/);
  const notNeeded: ReviewLine = { ...queued, status: 'NotNeeded' };
  assert.match(bar(notNeeded, Date.now(), true), /^CUSTOMER\s+NotNeeded\s+\[#{20}\]$/);
});

test('a line that finished with failed records: a full bar, its counters and how many failed; the status column fits it', () => {
  const line: ReviewLine = {
    ...queued,
    status: 'FinishedWithErrors',
    done: 5,
    total: 5,
    counters: { inserted: 4, failed: 1 },
    message:
      '1 record failed (4 inserted, 1 failed). See them: `kobling errors --mapping CUSTOMER`',
  };
  assert.equal(STATUS_WIDTH, 'FinishedWithErrors'.length);
  assert.match(
    bar(line, Date.now(), true),
    /^CUSTOMER\s+FinishedWithErrors \[#{20}\] 5\/5 · \+4 ~0 ✗1 · 1 record failed$/,
  );
  // Off a terminal a Queued line is written long before the line finishes: one width for both.
  assert.equal(
    bar(queued, Date.now(), true).indexOf('['),
    bar(line, Date.now(), true).indexOf('['),
    'the bars line up',
  );
});

test("the summary of lines with failed records says the regular job retries them only where the mapping's job is on", () => {
  const withErrors = (mapping: string): ReviewLine => ({
    ...queued,
    mapping,
    status: 'FinishedWithErrors',
    counters: { failed: 1 },
    done: 1,
    total: 1,
    finishedAt: new Date().toISOString(),
  });
  const one = [withErrors('CUSTOMER')];
  // One line: its count once ("1 record failed in CUSTOMER", not "… in CUSTOMER (1)").
  assert.match(
    finishedSummary(one, new Set())[0]!,
    /: 1 line, 1 record: .* 1 record failed in CUSTOMER\. See them: /,
  );
  assert.match(
    finishedSummary(one, new Set())[0]!,
    /See them: `kobling errors --mapping CUSTOMER`; after the fix the regular job retries them, or `kobling sync full --restart CUSTOMER` runs the line again\.$/,
  );
  assert.match(
    finishedSummary(one, new Set(['CUSTOMER']))[0]!,
    /; after the fix `kobling sync CUSTOMER` retries them \(the mapping's regular job is off\), or /,
  );
  const two = [withErrors('CUSTOMER'), withErrors('ITEM UOM')];
  assert.match(
    finishedSummary(two, new Set())[0]!,
    / 2 records failed in CUSTOMER \(1\), ITEM UOM \(1\)\. See them: /,
  );
  assert.match(
    idleSummary(two, new Set(['ITEM UOM']))[0]!,
    /; after the fix the regular job retries them \(`kobling sync 'ITEM UOM'` where the job is off\), or `kobling sync full --restart-failed` runs those lines again\.$/,
  );
  assert.match(
    finishedSummary(two, new Set(['CUSTOMER', 'ITEM UOM']))[0]!,
    /; after the fix `kobling sync CUSTOMER`, `kobling sync 'ITEM UOM'` retry them \(their regular jobs are off\)/,
  );
});

test('a line that left records skipped after failing: the bar counts them, the summary names `kobling skipped retry`', () => {
  const skippedOnly: ReviewLine = {
    ...queued,
    status: 'FinishedWithErrors',
    counters: { unchanged: 48, skipped: 1 },
    skippedRecords: 1,
    done: 49,
    total: 49,
    finishedAt: new Date().toISOString(),
  };
  assert.match(bar(skippedOnly, Date.now(), true), / · 1 skipped after failing$/);
  const summary = finishedSummary([skippedOnly], new Set())[0]!;
  assert.match(
    summary,
    /^Full synchronization finished with failed records: 1 line, 49 records: .* 1 record of CUSTOMER is skipped after failing twice with the same message: no regular job retries it; after the fix `kobling skipped retry --mapping CUSTOMER`\.$/,
  );
  assert.doesNotMatch(summary, /0 records? failed/);
  const both = { ...skippedOnly, counters: { unchanged: 47, failed: 1, skipped: 1 } };
  assert.match(bar(both, Date.now(), true), / · 1 record failed, 1 skipped after failing$/);
  // The only failed record is the skipped one: no regular job retries it, only the skipped advice.
  const once = finishedSummary([both], new Set())[0]!;
  assert.match(
    once,
    /See them: `kobling errors --mapping CUSTOMER`; after the fix `kobling sync full --restart CUSTOMER` runs the line again\. 1 record of CUSTOMER is skipped .*: no regular job retries it; after the fix `kobling skipped retry --mapping CUSTOMER`\.$/,
  );
  assert.doesNotMatch(once, /regular job retries them,/);
  const more = { ...both, counters: { unchanged: 46, failed: 2, skipped: 1 } };
  assert.match(
    finishedSummary([more], new Set())[0]!,
    /; after the fix the regular job retries the ones not skipped, or `kobling sync full --restart CUSTOMER`/,
  );
});

test('the summary says dependent lines went on only for those that ran after the line with failed records', () => {
  const finished = new Date(Date.now() - 60_000).toISOString();
  const parent: ReviewLine = {
    ...queued,
    status: 'FinishedWithErrors',
    counters: { inserted: 4, failed: 1 },
    done: 5,
    total: 5,
    queuedAt: finished,
    finishedAt: finished,
  };
  const before = new Date(Date.now() - 120_000).toISOString();
  const after = new Date().toISOString();
  // CONTACT had finished before the restart of CUSTOMER, which left it alone: it did not go on.
  const contact: ReviewLine = {
    ...queued,
    mapping: 'CONTACT',
    dependencyFilter: 'CUSTOMER',
    status: 'Finished',
    queuedAt: before,
    finishedAt: before,
  };
  const alone = finishedSummary([parent, contact], new Set())[0]!;
  assert.match(alone, / 1 record failed in CUSTOMER\. See them: /);
  assert.doesNotMatch(alone, /went on/);
  // Queued after CUSTOMER had finished (or found to need nothing then): it went on, and is named.
  const ran = { ...contact, queuedAt: after, finishedAt: after };
  const notNeeded: ReviewLine = {
    ...contact,
    mapping: 'CHILD',
    status: 'NotNeeded',
    queuedAt: null,
    finishedAt: after,
  };
  assert.match(
    finishedSummary([parent, ran], new Set())[0]!,
    / 1 record failed in CUSTOMER; its dependent line CONTACT went on\. See them: /,
  );
  assert.match(
    idleSummary([parent, ran, notNeeded], new Set())[0]!,
    / 1 record failed in CUSTOMER; its dependent lines CONTACT, CHILD went on\. See them: /,
  );
});

test("a running line whose worker has not reported for over 15 s says so, and what becomes of it, instead of a rate; the web's note says the same", () => {
  const clock = fixedClock('2026-03-01T10:00:00Z');
  const at = (ago: number) => new Date(clock.now().getTime() - ago).toISOString();
  const running: ReviewLine = {
    ...queued,
    status: 'Running',
    done: 40,
    total: 80,
    counters: { inserted: 40 },
    startedAt: at(20_000),
    heartbeatAt: at(0),
  };
  const now = () => clock.now().getTime();
  // A worker reports every 10 s: a beat missed by less than the slack is nothing to tell.
  clock.advance(HEARTBEAT_EVERY_MS + 4_000);
  assert.match(bar(running, now(), true, 2), /\] 40\/80 · \+40 ~0 ✗0 · 2\/s · 20 s left$/);
  assert.equal(lineNote(running, true, now()), '');
  clock.advance(2_000);
  assert.ok(now() - new Date(running.heartbeatAt!).getTime() > SILENT_AFTER_MS);
  assert.match(
    bar(running, now(), true, 2),
    /^CUSTOMER\s+Running\s+\[#{10}\.{10}\] 40\/80 · \+40 ~0 ✗0 · no report from its worker for 16 s; if it stopped, another worker takes the line over within about a minute$/,
  );
  clock.advance(9_000);
  assert.match(bar(running, now(), true), /for 25 s; if it stopped/);
  assert.ok(25_000 > STALE_AFTER_MS, 'said before and after it may be handed out');
  assert.match(
    bar(running, now(), false),
    /· no report from its worker for 25 s; no worker seen lately to take it over$/,
  );
  assert.equal(
    lineNote(running, true, now()),
    'No report from its worker for 25 s; if it stopped, another worker takes the line over within about a minute',
  );
  // A line not running has no worker to hear from, whatever its heartbeat says.
  assert.doesNotMatch(bar({ ...running, status: 'Failed' }, now(), true), /no report/);
});

test('the finished summary accounts for every record: unchanged (and other counters not at 0) after +inserted ~modified ✗failed; the bar adds unchanged when there are some', () => {
  const finished = new Date().toISOString();
  const customer: ReviewLine = {
    ...queued,
    status: 'Finished',
    done: 250,
    total: 250,
    counters: { inserted: 20, unchanged: 230 },
    queuedAt: finished,
    finishedAt: finished,
  };
  const contact: ReviewLine = {
    ...customer,
    mapping: 'CONTACT',
    dependencyFilter: 'CUSTOMER',
    done: 79,
    total: 79,
    counters: { inserted: 79 },
  };
  assert.equal(
    finishedSummary([customer, contact], new Set())[0],
    'Full synchronization finished: 2 lines, 329 records: +99 ~0 ✗0, 230 unchanged.',
  );
  assert.match(bar(customer, Date.now(), true), / 250\/250 · \+20 ~0 ✗0 · 230 unchanged$/);
  assert.match(bar(contact, Date.now(), true), / 79\/79 · \+79 ~0 ✗0$/, 'no 0 unchanged');
  assert.equal(
    finishedSummary([{ ...contact, counters: { inserted: 78, skipped: 1 } }], new Set())[0],
    'Full synchronization finished: 1 line, 79 records: +78 ~0 ✗0, 1 skipped.',
  );
});

test("after a restart the summary is of the lines it ran (the restarted one and the dependents that went on), not the other lines' earlier counters", () => {
  const before = new Date(Date.now() - 120_000).toISOString();
  const restartedAt = new Date(Date.now() - 10_000).toISOString();
  const now = new Date().toISOString();
  const customer: ReviewLine = {
    ...queued,
    status: 'Finished',
    done: 52,
    total: 52,
    counters: { unchanged: 52 },
    queuedAt: restartedAt,
    finishedAt: restartedAt,
  };
  const child = (mapping: string, parent: string, at: string, n: number): ReviewLine => ({
    ...customer,
    mapping,
    dependencyFilter: parent,
    done: n,
    total: n,
    counters: { inserted: n },
    queuedAt: at,
    finishedAt: at,
  });
  // CONTACT finished long before the restart (left alone); CURRENCY is not a dependent at all.
  const lines = [
    { ...child('CURRENCY', '', before, 7), dependencyFilter: '' },
    customer,
    child('CONTACT', 'CUSTOMER', before, 30),
  ];
  assert.equal(
    finishedSummary(lines, new Set(), ['CUSTOMER'])[0],
    'Full synchronization of CUSTOMER finished: 52 records: +0 ~0 ✗0, 52 unchanged.',
  );
  // Dependents that went on after it, and theirs, are part of what the restart ran.
  const went = [
    ...lines.slice(0, 2),
    child('CONTACT', 'CUSTOMER', now, 30),
    child('OPPORTUNITY', 'CONTACT', now, 3),
  ];
  assert.deepEqual(
    ranAfterRestart(went, ['CUSTOMER']).map((l) => l.mapping),
    ['CUSTOMER', 'CONTACT', 'OPPORTUNITY'],
  );
  assert.equal(
    finishedSummary(went, new Set(), ['CUSTOMER'])[0],
    'Full synchronization of CUSTOMER, CONTACT, OPPORTUNITY finished: 85 records: +33 ~0 ✗0, 52 unchanged.',
  );
});

test("a restart's outcome is of the lines it ran and of the failed lines that hold them, not of another line that failed", () => {
  const line = (mapping: string, status: ReviewLine['status'], parent = ''): ReviewLine => ({
    ...queued,
    mapping,
    status,
    dependencyFilter: parent,
    message: status === 'Failed' ? 'the CRM refused it' : null,
  });
  const lines = [
    line('SALESPEOPLE', 'Failed'),
    line('CUSTOMER', 'Pending', 'SALESPEOPLE'),
    line('CONTACT', 'Pending', 'CUSTOMER'),
    line('UNIT GROUP', 'Failed'),
    line('ITEM UOM', 'FinishedWithErrors', 'UNIT GROUP'),
  ];
  // CONTACT restarted waits for CUSTOMER, which waits for SALESPEOPLE, which failed.
  assert.deepEqual(
    restartOutcome(lines, ['CONTACT']).map((l) => l.mapping),
    ['SALESPEOPLE', 'CUSTOMER', 'CONTACT'],
  );
  assert.deepEqual(
    restartOutcome(lines, ['UNIT GROUP']).map((l) => l.mapping),
    ['UNIT GROUP'],
  );
});

test('the first review leaves out the recommendations no line has', () => {
  const notStarted = (mapping: string, recommendation: string): ReviewLine => ({
    ...queued,
    mapping,
    status: 'NotStarted',
    recommendation: recommendation as ReviewLine['recommendation'],
  });
  assert.equal(
    reviewSummary([
      notStarted('CUSTOMER', 'FullSynchronization'),
      notStarted('CONTACT', 'FullSynchronization'),
      notStarted('CURRENCY', 'CoupleRecords'),
    ]),
    'No full synchronization has been started yet: 3 lines (2 to synchronize in full, 1 to couple records), counted now and not started; `kobling sync full` starts them.',
  );
});

test('the review of started lines closes with what a plain `kobling sync full` would do', () => {
  const finished = reviewLine({ mapping: 'CURRENCY', status: 'Finished' });
  const pending = reviewLine({ mapping: 'CONTACT', status: 'Pending', waitingFor: [] });
  assert.equal(
    reviewSummary([finished, pending, reviewLine({ status: 'Stopped' })]),
    '3 lines; `kobling sync full` starts those not done and follows them. CUSTOMER is stopped: `kobling sync full --restart CUSTOMER` continues it.',
  );
  assert.equal(
    reviewSummary([finished, reviewLine({ status: 'Running' })]),
    '2 lines; nothing new to start: `kobling sync full` follows CUSTOMER.',
  );
  // Nothing to start: the review does not promise a start (`kobling sync full` exits 1 there).
  assert.match(
    reviewSummary([finished, reviewLine({ status: 'Stopped' })]),
    /^2 lines; `kobling sync full` starts nothing: 1 line stopped \(CUSTOMER\)\. Restart /,
  );
  assert.match(
    reviewSummary([
      reviewLine({ status: 'Stopped' }),
      reviewLine({ mapping: 'ITEM UOM', status: 'Stopped' }),
    ]),
    /starts nothing: 2 lines stopped \(CUSTOMER, ITEM UOM\)\. .*`kobling sync full --restart MAPPING`/,
  );
  assert.equal(
    reviewSummary([finished, reviewLine({ status: 'FinishedWithErrors' })]),
    '2 lines, every one finished: `kobling sync full` has nothing to start; `kobling sync full --restart MAPPING` runs one again.',
  );
});

test('a stopped full synchronization names the failed lines, and the lines they hold only when there are some', () => {
  const failed: ReviewLine = {
    ...queued,
    status: 'Failed',
    message: 'ToIntegrationTable: the CRM refused it',
  };
  const [alone] = stoppedSummary([failed], new Set());
  // The one line is named, as `kobling status` names it.
  assert.equal(
    alone,
    'Full synchronization stopped: 1 line failed (CUSTOMER). Fix the cause, then `kobling sync full --restart CUSTOMER`.',
  );
  assert.match(
    stoppedSummary([failed, { ...failed, mapping: 'ITEM UOM' }], new Set())[0]!,
    /Fix the cause, then `kobling sync full --restart-failed` \(or `--restart MAPPING` for one line\)\.$/,
  );
  assert.doesNotMatch(alone!, /waiting for a failed parent/);
  const held: ReviewLine = {
    ...queued,
    mapping: 'CONTACT',
    status: 'Pending',
    dependencyFilter: 'CUSTOMER',
    waitingFor: ['CUSTOMER (failed: ToIntegrationTable: the CRM refused it)'],
  };
  assert.match(
    idleSummary([failed, held], new Set())[0]!,
    /^Nothing started: 1 line failed \(CUSTOMER\), 1 waiting for a failed parent \(CONTACT\)\. /,
  );
});
