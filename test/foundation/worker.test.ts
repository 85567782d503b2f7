import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { HEARTBEAT_QUEUE } from '../../src/db/system-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('worker');
});
after(async () => {
  await db.drop();
});

test('`kobling worker` takes jobs sent through pg-boss on the shared database', async () => {
  const worker = spawnKobling(['worker'], { DATABASE_URL: db.url });
  try {
    const [, name] = (await worker.waitFor(
      /Kobling worker (\S+) is running/,
      30_000,
    )) as RegExpMatchArray;
    const boss = await startJobQueue(db, createLogger('silent'));
    try {
      await boss.send(HEARTBEAT_QUEUE, { sentAt: 'from-test' });
      const deadline = Date.now() + 20_000;
      let value: { worker: string; sentAt: string } | undefined;
      while (Date.now() < deadline) {
        const r = await db.query<{ value: { worker: string; sentAt: string } }>(
          "SELECT value FROM app.settings WHERE key = 'workerHeartbeat'",
        );
        value = r.rows[0]?.value;
        if (value?.sentAt === 'from-test') break;
        await new Promise((res) => setTimeout(res, 200));
      }
      assert.equal(value?.sentAt, 'from-test', 'the job was handled');
      assert.equal(value?.worker, name, 'by the worker process');
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    assert.equal(await worker.stop(), 0, worker.output());
  }
});
