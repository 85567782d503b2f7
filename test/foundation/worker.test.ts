import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { HEARTBEAT_QUEUE } from '../../src/db/system-jobs.ts';
import { FULL_SYNC_QUEUE } from '../../src/integration/full-sync/full-sync-service.ts';
import { SYNC_MAPPING_QUEUE } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { freePort, spawnKobling } from '../helpers/cli.ts';
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
    // Seen at once: its start sends a heartbeat of its own, not waiting for the minute's.
    const heartbeat = async () =>
      (
        await db.query<{ value: { worker: string; sentAt: string } }>(
          "SELECT value FROM app.settings WHERE key = 'workerHeartbeat'",
        )
      ).rows[0]?.value;
    for (const until = Date.now() + 10_000; (await heartbeat())?.sentAt !== 'start'; ) {
      assert.ok(Date.now() < until, 'the worker said it runs on its start');
      await new Promise((res) => setTimeout(res, 100));
    }
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

test('`kobling start --no-workers` creates every queue with its policy: what the server sends waits for a worker instead of being refused', async () => {
  const port = await freePort();
  const server = spawnKobling(['start', '--no-demo', '--no-crm-emulator', '--no-workers'], {
    DATABASE_URL: db.url,
    PORT: String(port),
  });
  try {
    await server.waitFor(/Press Ctrl\+C to stop/, 60_000);
    // Ready (it serves), and saying that no worker takes what it queues.
    await db.query("DELETE FROM app.settings WHERE key = 'workerHeartbeat'");
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.match(body.checks.workers ?? '', /^none seen in the last 3 min: queued jobs wait/);
    // What a worker's heartbeat job writes (src/db/system-jobs.ts) turns it to ok.
    await db.query(
      `INSERT INTO app.settings (key, value, updated_at) VALUES ('workerHeartbeat', '{}', now())`,
    );
    const seen = (await (await fetch(`http://127.0.0.1:${port}/ready`)).json()) as {
      checks: Record<string, string>;
    };
    assert.equal(seen.checks.workers, 'ok');
    const queues = await db.query<{ name: string; policy: string }>(
      'SELECT name, policy FROM pgboss.queue',
    );
    const policy = new Map(queues.rows.map((q) => [q.name, q.policy]));
    assert.equal(policy.get(FULL_SYNC_QUEUE), 'standard', 'the full synchronization lines queue');
    assert.equal(policy.get(SYNC_MAPPING_QUEUE), 'stately', 'one waiting run per mapping');
    const boss = await startJobQueue(db, createLogger('silent'));
    try {
      // pg-boss answers null for a queue that does not exist; this one waits for a worker.
      const id = await boss.send(SYNC_MAPPING_QUEUE, { mapping: 'NONE', trigger: 'test' });
      assert.ok(id, 'the job was queued');
      await boss.cancel(SYNC_MAPPING_QUEUE, id);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    assert.equal(await server.stop(), 0, server.output());
  }
});

test('`kobling worker` with KOBLING_WORKER_METRICS_PORT serves /metrics: process metrics, its jobs and the queue depth', async () => {
  const worker = spawnKobling(['worker'], {
    DATABASE_URL: db.url,
    KOBLING_WORKER_METRICS_PORT: '0',
  });
  try {
    const url = (
      (await worker.waitFor(/metrics at (\S+)\./, 30_000)) as RegExpMatchArray
    )[1] as string;
    const boss = await startJobQueue(db, createLogger('silent'));
    try {
      await boss.send(HEARTBEAT_QUEUE, { sentAt: 'metrics-test' });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    const ran = /kobling_jobs_total\{queue="system\.heartbeat",outcome="succeeded"\} [1-9]/;
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const r = await fetch(url);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
      text = await r.text();
      if (ran.test(text)) break;
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.match(text, ran, 'the job the worker ran is counted');
    assert.match(text, /kobling_job_duration_seconds_count\{queue="system\.heartbeat"\}/);
    assert.match(text, /^process_cpu_seconds_total /m, 'the default process metrics');
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    assert.match(text, /kobling_job_queue_depth\{queue="system\.heartbeat"\} \d+/);
    const other = await fetch(url.replace(/\/metrics$/, '/health'));
    assert.equal(other.status, 404);
    await other.body?.cancel();
  } finally {
    assert.equal(await worker.stop(), 0, worker.output());
  }
});

test('`kobling worker` serves no metrics unless asked', async () => {
  const worker = spawnKobling(['worker'], { DATABASE_URL: db.url });
  try {
    const [line] = (await worker.waitFor(
      /Kobling worker .* Ctrl\+C stops it/,
      30_000,
    )) as RegExpMatchArray;
    assert.doesNotMatch(line, /metrics at/);
  } finally {
    assert.equal(await worker.stop(), 0, worker.output());
  }
});
