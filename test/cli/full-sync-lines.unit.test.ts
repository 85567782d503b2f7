import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, statusWidth } from '../../src/cli/commands/full-sync.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';

const queued: ReviewLine = {
  mapping: 'CUSTOMER',
  position: 10,
  dependencyFilter: '',
  direction: 'Bidirectional',
  recommendation: 'FullSynchronization',
  erpCount: 5,
  crmCount: 0,
  status: 'Queued',
  message: null,
  done: 0,
  total: 5,
  counters: {},
  jobIds: [],
  attempts: 0,
  queuedAt: new Date().toISOString(),
  startedAt: null,
  heartbeatAt: null,
  finishedAt: null,
  matched: null,
  ambiguous: null,
  waitingFor: [],
};

test('a queued line waits for a worker only when none has been seen; otherwise it is just queued', () => {
  assert.match(
    bar(queued, Date.now(), false),
    /^CUSTOMER\s+Queued\s+\[\.+\] waiting for a worker$/,
  );
  assert.match(bar(queued, Date.now(), true), /^CUSTOMER\s+Queued\s+\[\.+\] $/);
  const back = {
    ...queued,
    message: 'Stopped by shutdown; continues when a worker takes it again',
  };
  assert.match(bar(back, Date.now(), true), /\] Stopped by shutdown; continues/);
  assert.match(bar(back, Date.now(), false), /\] waiting for a worker · Stopped by shutdown/);
});

test('a line that finished with failed records: a full bar, its counters and how many failed; the status column fits it', () => {
  const line: ReviewLine = {
    ...queued,
    status: 'FinishedWithErrors',
    done: 5,
    total: 5,
    counters: { inserted: 4, failed: 1 },
    message:
      '1 record(s) failed (4 inserted, 1 failed). See them: `kobling errors --mapping CUSTOMER`',
  };
  const width = statusWidth([queued, line]);
  assert.equal(width, 'FinishedWithErrors'.length);
  assert.match(
    bar(line, Date.now(), true, width),
    /^CUSTOMER\s+FinishedWithErrors \[#{20}\] 5\/5 · \+4 ~0 ✗1 · 1 record\(s\) failed$/,
  );
  assert.equal(
    bar(queued, Date.now(), true, width).indexOf('['),
    bar(line, Date.now(), true, width).indexOf('['),
    'the bars line up',
  );
});
