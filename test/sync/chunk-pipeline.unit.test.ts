import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkPipeline } from '../../src/sync/engine/pipeline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('chunks are sent side by side up to the depth, and finish in the order they were added', async () => {
  const p = chunkPipeline(3);
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  // Later chunks answer sooner: their finish still waits for the earlier ones.
  for (const [i, ms] of [40, 30, 20, 10, 5].entries()) {
    await p.add(
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(ms);
        inFlight--;
        log.push(`sent ${i}`);
      },
      async () => {
        log.push(`finished ${i}`);
      },
    );
  }
  await p.drain();
  assert.equal(most, 3, 'never more than three in flight, and three at once');
  const finishes = log.filter((l) => l.startsWith('finished'));
  assert.deepEqual(
    finishes,
    [0, 1, 2, 3, 4].map((i) => `finished ${i}`),
  );
  for (let i = 0; i < 5; i++)
    assert.ok(log.indexOf(`sent ${i}`) < log.indexOf(`finished ${i}`), `chunk ${i} sent first`);
});

test('a failed chunk stops the finishes after it and the failure comes back to the caller', async () => {
  const p = chunkPipeline(2);
  const finished: number[] = [];
  const add = (i: number, fail = false) =>
    p.add(
      async () => {
        await sleep(5);
        if (fail) throw new Error(`chunk ${i} failed`);
      },
      async () => {
        finished.push(i);
      },
    );
  await add(0);
  await add(1, true);
  await assert.rejects(async () => {
    await add(2);
    await add(3);
    await p.drain();
  }, /chunk 1 failed/);
  assert.deepEqual(
    finished,
    [0],
    'nothing finishes after the failed chunk (no watermark beyond it)',
  );
});

test('depth 1 runs the chunks one by one', async () => {
  const p = chunkPipeline(1);
  let inFlight = 0;
  let most = 0;
  for (let i = 0; i < 4; i++)
    await p.add(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(3);
      inFlight--;
    });
  await p.drain();
  assert.equal(most, 1);
});
