import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar } from '../../src/cli/commands/full-sync.ts';
import { alreadyEnded } from '../../src/cli/commands/full-sync-stop.ts';
import { idleSummary, stoppedSummary } from '../../src/cli/commands/full-sync-summary.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import {
  interruptedLineMessage,
  stoppedLineMessage,
} from '../../src/integration/full-sync/line-status.ts';
import { startMessage } from '../../src/integration/full-sync/review-messages.ts';
import { lineNote } from '../../src/web/pages/full-sync-cells.tsx';
import { reviewLine } from '../helpers/review-line.ts';

const base: ReviewLine = reviewLine({
  erpCount: 3000,
  status: 'Stopped',
  done: 1750,
  counters: { inserted: 1750 },
  attempts: 1,
});
const at = new Date('2026-12-02T06:40:12.345Z');

test('a stopped line says who stopped it, when and how far it got; one stopped before it began says so', () => {
  assert.equal(
    stoppedLineMessage({ by: 'admin', at, done: 1750, total: 3000, counters: { inserted: 1750 } }),
    'Stopped by admin on 2026-12-02 06:40:12 UTC after 1750 of 3000 records (1750 inserted); Restart continues where it stopped',
  );
  assert.equal(
    stoppedLineMessage({ by: 'cli:alice', at, done: 0, total: null, counters: {} }),
    'Stopped by cli:alice on 2026-12-02 06:40:12 UTC before it synchronized any record; Restart continues where it stopped',
  );
});

test('the CLI shows a stopped line with its records and message; its summaries name it and the children it holds', () => {
  const message = stoppedLineMessage({ by: 'admin', at, done: 1750, total: null, counters: {} });
  const stopped = { ...base, message };
  const child: ReviewLine = {
    ...base,
    mapping: 'CONTACT',
    status: 'Pending',
    done: 0,
    counters: {},
    dependencyFilter: 'CUSTOMER',
    waitingFor: ['CUSTOMER, which was stopped (restart it to continue)'],
  };
  assert.match(
    bar(stopped, Date.now()),
    /^CUSTOMER +Stopped +\[#+\.+\] 1750\/3000 · \+1750 ~0 ✗0 · Stopped by admin on/,
  );
  assert.match(
    bar(child, Date.now()),
    /waiting for CUSTOMER, which was stopped \(restart it to continue\)$/,
  );
  assert.deepEqual(stoppedSummary([stopped, child], new Set()), [
    'Full synchronization stopped: 1 line stopped (CUSTOMER), 1 waiting for a stopped parent (CONTACT). Restart the stopped line to continue it where it stopped: `kobling sync full --restart CUSTOMER`.',
  ]);
  assert.match(idleSummary([stopped, child], new Set())[0]!, /^Nothing started: 1 line stopped/);
  assert.equal(
    startMessage([], [stopped, child]),
    'Nothing could start: CONTACT waits for CUSTOMER, which was stopped (restart it to continue). Restart the stopped line to continue it.',
  );
  assert.equal(
    startMessage([], [stopped]),
    'Nothing to start: every line has finished, been stopped or had nothing to synchronize (CUSTOMER stopped). Restart a line to run it again (a stopped one continues where it stopped).',
  );
});

test('a running line asked to stop reads Stopping on the web, with who asked', () => {
  const stopping: ReviewLine = {
    ...base,
    status: 'Running',
    stopRequestedAt: at.toISOString(),
    stopRequestedBy: 'admin',
  };
  assert.equal(
    lineNote(stopping, true, Date.now()),
    'Stopping (asked by admin): it stops once the records it is writing now are written',
  );
});

test('`--stop` of a line that had already ended says so plainly, with its status and when: nothing to stop', () => {
  const ended = { ...base, finishedAt: at.toISOString() };
  assert.equal(
    alreadyEnded({ ...ended, status: 'Finished', counters: { inserted: 3000 } }),
    'CUSTOMER had already finished (Finished at 2026-12-02 06:40:12 UTC): nothing to stop',
  );
  assert.equal(
    alreadyEnded({ ...ended, status: 'FinishedWithErrors', counters: { inserted: 2, failed: 1 } }),
    'CUSTOMER had already finished (FinishedWithErrors at 2026-12-02 06:40:12 UTC, 1 record failed): nothing to stop',
  );
  assert.equal(
    alreadyEnded({ ...ended, status: 'NotNeeded' }),
    'CUSTOMER had already ended (NotNeeded at 2026-12-02 06:40:12 UTC: no records on either side): nothing to stop',
  );
  assert.equal(
    alreadyEnded({ ...ended, status: 'Failed', message: 'ToIntegrationTable: the CRM refused' }),
    'CUSTOMER had already failed (Failed at 2026-12-02 06:40:12 UTC: ToIntegrationTable: the CRM refused): nothing to stop',
  );
  const message = stoppedLineMessage({ by: 'admin', at, done: 1750, total: null, counters: {} });
  assert.equal(
    alreadyEnded({ ...ended, status: 'Stopped', message }),
    `CUSTOMER had already been stopped (${message}): nothing to stop`,
  );
  for (const status of ['Pending', 'Queued', 'Running'] as const)
    assert.equal(alreadyEnded({ ...ended, status }), undefined, `${status} has not ended`);
});

test('a line a shutdown handed back says when, how far it got and that it goes on by itself; the CLI and the web show it as it waits', () => {
  const message = interruptedLineMessage({
    at,
    done: 1750,
    total: null,
    counters: { inserted: 1750 },
  });
  assert.equal(
    message,
    'Interrupted by a shutdown on 2026-12-02 06:40:12 UTC after 1750 records (1750 inserted); continues where it stopped when a worker runs again',
  );
  assert.equal(
    interruptedLineMessage({ at, done: 0, total: null, counters: {} }),
    'Interrupted by a shutdown on 2026-12-02 06:40:12 UTC before it synchronized any record; continues where it stopped when a worker runs again',
  );
  const back: ReviewLine = { ...base, status: 'Queued', message };
  assert.match(
    bar(back, Date.now(), false),
    /^CUSTOMER +Queued +\[[#.]+\] waiting for a worker · Interrupted by a shutdown on 2026-12-02 06:40:12 UTC after 1750 records/,
  );
  assert.equal(lineNote(back, false, Date.now()), `Waiting for a worker · ${message}`);
  assert.equal(lineNote(back, true, Date.now()), message);
});
