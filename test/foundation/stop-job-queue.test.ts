import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { startJobQueue, startWorkers, stopJobQueue } from '../../src/db/job-queue.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { markStopping, shutdownSignal } from '../../src/shared/stopping.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('stopq');
});
after(async () => {
  await db.drop();
});

test('the orderly stop lets a short job finish, aborts a long one at its next step as "stopped by shutdown", and logs no error', async () => {
  const lines: { level: number; msg: string; queue?: string }[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
  });
  const logger = createLogger('debug', sink);
  const boss = await startJobQueue(db, logger);
  const ended: string[] = [];
  const outcomes: string[] = [];
  await startWorkers(
    boss,
    [
      {
        queue: 'test.short',
        handler: async () => {
          await new Promise((r) => setTimeout(r, 300));
          ended.push('short finished');
        },
      },
      {
        // A run that goes on chunk after chunk, looking at the signal between chunks as the engine does.
        queue: 'test.long',
        handler: async () => {
          for (;;) {
            shutdownSignal.throwIfAborted();
            await new Promise((r) => setTimeout(r, 50));
          }
        },
      },
    ],
    {
      concurrency: 1,
      logger,
      pollingIntervalSeconds: 0.5,
      onJobDone: (queue, outcome) => outcomes.push(`${queue} ${outcome}`),
    },
  );
  await boss.send('test.long', {});
  await boss.send('test.short', {});
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    const r = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name LIKE 'test.%' AND state = 'active'",
    );
    if (r.rows[0]!.n === 2) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  markStopping();
  const started = Date.now();
  await stopJobQueue(boss, logger, { finishMs: 1000, abortMs: 3000 });
  const took = Date.now() - started;

  assert.deepEqual(ended, ['short finished'], 'the short job was let finish');
  assert.deepEqual(outcomes.sort(), ['test.long stopped', 'test.short succeeded']);
  assert.ok(took < 4000, `bounded: ${took} ms`);
  const msgs = lines.map((l) => l.msg);
  assert.ok(msgs.includes('stopping: letting running jobs finish'), msgs.join(' | '));
  assert.ok(msgs.includes('stopping: aborting the jobs still running'), msgs.join(' | '));
  assert.ok(
    lines.some(
      (l) => l.msg === 'job stopped by shutdown' && l.queue === 'test.long' && l.level === 40,
    ),
  );
  assert.deepEqual(
    lines.filter((l) => l.level >= 50),
    [],
    'no line at level error or fatal',
  );
  // The long job was given back to the queue: pg-boss retries it.
  const r = await db.query<{ state: string }>(
    "SELECT state FROM pgboss.job WHERE name = 'test.long'",
  );
  assert.deepEqual(
    r.rows.map((x) => x.state),
    ['retry'],
  );
});
