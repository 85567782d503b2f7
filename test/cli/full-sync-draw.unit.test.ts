import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar } from '../../src/cli/commands/full-sync.ts';
import { lineDrawer } from '../../src/cli/commands/full-sync-draw.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import { MATCHING_MESSAGE } from '../../src/integration/full-sync/matching-note.ts';
import { fixedClock } from '../../src/shared/clock.ts';
import { hasControl } from '../helpers/cli.ts';
import { reviewLine } from '../helpers/review-line.ts';

const line = (mapping: string, status: ReviewLine['status'], done: number, total: number) =>
  ({ mapping, status, done, total }) as ReviewLine;
const render = (l: ReviewLine) => `${l.mapping} ${l.status} ${l.done}/${l.total}`;
const recorder = (live: boolean) => {
  const written: string[] = [];
  return { written, out: { live, write: (text: string) => void written.push(text) } };
};
/** What a terminal shows last: the frame after the last cursor-up, its codes taken out. */
const lastFrame = (written: readonly string[]) => {
  const all = written.join('');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the cursor codes drawn
  const frames = all.split(/\x1b\[\d+A/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the cursor codes drawn
  return frames[frames.length - 1]!.replace(/\x1b\[[0-9]*[A-Z]/g, '');
};

test('on a terminal the settled lines are drawn once more at the end, over the last frame: no line left Running', () => {
  const { written, out } = recorder(true);
  const draw = lineDrawer(out, render);
  draw.progress(
    [line('CUSTOMER', 'Finished', 52, 52), line('CONTACT', 'Running', 40, 80)],
    0,
    true,
  );
  draw.progress(
    [line('CUSTOMER', 'Finished', 52, 52), line('CONTACT', 'Running', 64, 80)],
    1,
    true,
  );
  // The last poll saw CONTACT running; by the next it had finished.
  draw.final([line('CUSTOMER', 'Finished', 52, 52), line('CONTACT', 'Finished', 80, 80)], 2);
  assert.equal(lastFrame(written), 'CUSTOMER Finished 52/52\nCONTACT Finished 80/80\n');
  assert.equal(written.filter((w) => w === '\x1b[2A').length, 2, 'each frame over the last');
});

test('on a terminal a worker hint stays under the bars, and the final frame clears it', () => {
  const { written, out } = recorder(true);
  const draw = lineDrawer(out, render);
  const queued = [line('CUSTOMER', 'Queued', 0, 5)];
  draw.progress(queued, 0, false);
  draw.progress(queued, 1, false, 'No worker has taken a line in 30 s');
  draw.progress(queued, 2, false);
  assert.equal(lastFrame(written), 'CUSTOMER Queued 0/5\nNo worker has taken a line in 30 s\n');
  draw.final([line('CUSTOMER', 'Finished', 5, 5)], 3);
  assert.equal(written.at(-1), '\x1b[J', 'what the shorter frame leaves of the longer one goes');
  assert.equal(lastFrame(written), 'CUSTOMER Finished 5/5\n');
});

test('a run settled at the first look still draws its lines on a terminal', () => {
  const { written, out } = recorder(true);
  lineDrawer(out, render).final([line('CUSTOMER', 'Finished', 5, 5)], 0);
  assert.equal(lastFrame(written), 'CUSTOMER Finished 5/5\n');
});

test('off a terminal: plain lines as they change, the hint once, the final lines once each, no codes', () => {
  const { written, out } = recorder(false);
  const draw = lineDrawer(out, render);
  draw.progress([line('CUSTOMER', 'Queued', 0, 5), line('CONTACT', 'Pending', 0, 3)], 0, false);
  draw.progress(
    [line('CUSTOMER', 'Queued', 0, 5), line('CONTACT', 'Pending', 0, 3)],
    1,
    false,
    'hint',
  );
  draw.progress([line('CUSTOMER', 'Queued', 0, 5), line('CONTACT', 'Pending', 0, 3)], 2, false);
  draw.final([line('CUSTOMER', 'Finished', 5, 5), line('CONTACT', 'Finished', 3, 3)], 3);
  assert.deepEqual(written, [
    'CUSTOMER Queued 0/5\n',
    'CONTACT Pending 0/3\n',
    'hint\n',
    'CUSTOMER Finished 5/5\n',
    'CONTACT Finished 3/3\n',
  ]);
  assert.ok(!written.some(hasControl));
});

test('on a terminal a running line whose worker went silent says so in the frames that follow, by the clock it is drawn with', () => {
  const clock = fixedClock('2026-03-01T10:00:00Z');
  const started = clock.now().toISOString();
  const running = {
    ...line('CUSTOMER', 'Running', 40, 80),
    counters: {},
    waitingFor: [],
    startedAt: started,
    heartbeatAt: started,
  } as ReviewLine;
  const { written, out } = recorder(true);
  const draw = lineDrawer(out, bar);
  draw.progress([running], clock.now().getTime(), true);
  assert.doesNotMatch(lastFrame(written), /no report/);
  clock.advance(25_000);
  draw.progress([running], clock.now().getTime(), true);
  assert.match(
    lastFrame(written),
    /^CUSTOMER\s+Running\s+\[#+\.+\] 40\/80 · \+0 ~0 ✗0 · no report from its worker for 25 s; if it stopped, another worker takes the line over within about a minute\n$/,
  );
});

test('a running line that matches says so on its bar, and off a terminal it is written when matching begins and ends', () => {
  const matching = reviewLine({
    status: 'Running',
    done: 0,
    total: 26255,
    message: MATCHING_MESSAGE,
    heartbeatAt: new Date(0).toISOString(),
  });
  assert.match(
    bar(matching, 1000, true),
    /^CUSTOMER\s+Running\s+\[\.{20}\] 0\/26255 · \+0 ~0 ✗0 · Matching uncoupled records…$/,
  );
  const { written, out } = recorder(false);
  const draw = lineDrawer(out, (l, now) => bar(l, now, true));
  draw.progress([{ ...matching, message: null }], 0, true);
  draw.progress([matching], 1000, true);
  draw.progress([matching], 2000, true);
  // Matched: the note gone (the line's records start to move) is written at once, not 10 s on.
  draw.progress([{ ...matching, message: null, matched: 26255 }], 3000, true);
  assert.deepEqual(
    written.map((w) => w.replace(/\s+/g, ' ').trim()),
    [
      'CUSTOMER Running [....................] 0/26255 · +0 ~0 ✗0',
      'CUSTOMER Running [....................] 0/26255 · +0 ~0 ✗0 · Matching uncoupled records…',
      'CUSTOMER Running [....................] 0/26255 · +0 ~0 ✗0 · 26255 matched',
    ],
  );
});
