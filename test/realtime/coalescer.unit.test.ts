import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCoalescer, type RunOutcome } from '../../src/integration/realtime/coalescer.ts';
import { systemClock } from '../../src/shared/clock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(outcomes: RunOutcome[] = [], runMs = 0) {
  const started: number[] = [];
  const c = createCoalescer({
    debounceMs: 30,
    maxWaitMs: 100,
    busyRetryMs: 20,
    clock: systemClock,
    onError: (err) => assert.fail(String(err)),
    run: async () => {
      started.push(Date.now());
      if (runMs) await sleep(runMs);
      return outcomes.shift() ?? 'ran';
    },
  });
  return { c, started };
}

test('a burst of pokes becomes one run after the quiet time', async () => {
  const { c, started } = harness();
  for (let i = 0; i < 50; i++) c.poke();
  await sleep(120);
  assert.equal(started.length, 1);
  c.stop();
});

test('a burst longer than the max wait still runs within it', async () => {
  const { c, started } = harness();
  const t0 = Date.now();
  for (let i = 0; i < 25; i++) {
    c.poke();
    await sleep(10);
  }
  assert.ok(started.length >= 1, 'ran during the burst');
  assert.ok(started[0]! - t0 < 200, `first run after ${started[0]! - t0} ms`);
  c.stop();
});

test('a poke during a run gives exactly one more run after it', async () => {
  const { c, started } = harness([], 60);
  c.poke();
  await sleep(50); // the run has started
  c.poke();
  c.poke();
  await sleep(250);
  assert.equal(started.length, 2);
  c.stop();
});

test('busy elsewhere: tried again until it runs', async () => {
  const { c, started } = harness(['busy', 'busy', 'ran']);
  c.poke();
  await sleep(200);
  assert.equal(started.length, 3);
  c.stop();
});

test('stopped: no run after stop', async () => {
  const { c, started } = harness();
  c.poke();
  c.stop();
  await sleep(80);
  assert.equal(started.length, 0);
});
