import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar } from '../../src/cli/commands/full-sync.ts';
import { paceTracker, RATE_WINDOW_MS } from '../../src/cli/commands/full-sync-rate.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import type { LineStatus } from '../../src/integration/full-sync/line-status.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { reviewLine } from '../helpers/review-line.ts';

/**
 * `kobling sync full` as it follows one line: a look a second on the clock, the line's status and
 * records done at each; `bar` draws the line with the rate the looks give.
 */
function follower(start: string, line: Partial<ReviewLine>) {
  const clock = fixedClock(start);
  const pace = paceTracker();
  let current: ReviewLine = reviewLine({ total: 26255, status: 'Running', ...line });
  const look = (status: LineStatus, done: number) => {
    clock.advance(1000);
    current = {
      ...current,
      status,
      done,
      counters: { modified: done },
      heartbeatAt: clock.now().toISOString(),
    };
    pace.observe([current], clock.now().getTime());
  };
  return {
    look,
    /** `seconds` looks at `perSecond` records a second from `from` on. */
    moving(from: number, perSecond: number, seconds: number): number {
      for (let s = 1; s <= seconds; s++) look('Running', from + perSecond * s);
      return from + perSecond * seconds;
    },
    rate: () => pace.rate(current.mapping),
    bar: () => bar(current, clock.now().getTime(), true, pace.rate(current.mapping)),
  };
}

test('the rate leaves out the matching before the passes: none while nothing moves, then what the passes do', () => {
  // The line started 11 s ago by its clock and matched 26,255 coupled customers all that time.
  const f = follower('2026-12-02T10:00:00Z', { startedAt: '2026-12-02T10:00:00Z' });
  for (let s = 0; s < 11; s++) f.look('Running', 0);
  assert.equal(f.rate(), undefined);
  assert.doesNotMatch(f.bar(), /\/s|left/);
  // One step of progress is no rate yet (a single look's worth says little).
  f.look('Running', 2800);
  assert.equal(f.rate(), undefined);
  assert.match(f.bar(), /\] 2800\/26255 · \+0 ~2800 ✗0$/);
  f.look('Running', 5600);
  assert.equal(f.rate(), 2800, 'from the last look before the records moved, not from startedAt');
  assert.match(f.bar(), / 5600\/26255 · \+0 ~5600 ✗0 · 2800\/s · 7 s left$/);
});

test('a stopped line restarted: the rate is of the run now, not of the time since the line first started nor the time it sat stopped', () => {
  // First started an hour ago, stopped at 13,749 records, restarted now: queued, then matching.
  const f = follower('2026-12-02T10:00:00Z', {
    startedAt: '2026-12-02T09:00:00Z',
    status: 'Stopped',
    done: 13749,
  });
  f.look('Stopped', 13749);
  f.look('Queued', 13749);
  for (let s = 0; s < 4; s++) f.look('Running', 13749);
  assert.equal(f.rate(), undefined);
  const done = f.moving(13749, 2800, 3);
  assert.equal(f.rate(), 2800);
  assert.equal(done, 22149);
  assert.match(f.bar(), / 22149\/26255 · \+0 ~22149 ✗0 · 2800\/s · 1 s left$/);
});

test('the rate is of the last 10 s: a line that speeds up shows its new pace; one that stalls shows none', () => {
  const f = follower('2026-12-02T10:00:00Z', {});
  f.look('Running', 0);
  let done = f.moving(0, 100, 20);
  assert.equal(f.rate(), 100);
  done = f.moving(done, 1000, RATE_WINDOW_MS / 1000);
  assert.equal(f.rate(), 1000);
  // Half the window stalled: half the pace.
  for (let s = 0; s < 5; s++) f.look('Running', done);
  assert.equal(f.rate(), 500);
  for (let s = 0; s < 5; s++) f.look('Running', done);
  assert.equal(f.rate(), undefined, 'nothing moved in the window: no rate rather than 0/s');
  assert.doesNotMatch(f.bar(), /\/s|left/);
});

test('a line that leaves Running, or starts again from 0, begins its rate anew', () => {
  const f = follower('2026-12-02T10:00:00Z', {});
  f.look('Running', 0);
  f.moving(0, 500, 5);
  assert.equal(f.rate(), 500);
  // Restarted from scratch (--restart of a finished line): done back to 0, a slower run.
  f.look('Running', 0);
  assert.equal(f.rate(), undefined);
  f.moving(0, 50, 2);
  assert.equal(f.rate(), 50);
  f.look('Finished', 100);
  assert.equal(f.rate(), undefined);
  assert.doesNotMatch(f.bar(), /\/s|left/);
});
