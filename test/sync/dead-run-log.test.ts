import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type PgBoss from 'pg-boss';
import { ensureQueue, startJobQueue } from '../../src/db/job-queue.ts';
import { withSessionLock } from '../../src/db/session-lock.ts';
import { RECURRING_JOB_LOCK } from '../../src/integration/recurring-jobs.ts';
import { recoverDeadRuns, SYNC_MAPPING_QUEUE } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { testConfig } from '../helpers/server.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let boss: PgBoss;
const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(JSON.parse(String(chunk)));
    done();
  },
});

before(async () => {
  db = await createMigratedDb('deadrun');
  boss = await startJobQueue(db, createLogger('silent'));
  await ensureQueue(boss, SYNC_MAPPING_QUEUE);
});
after(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await db?.drop();
});

const deps = () => ({ db, config: testConfig(), logger: createLogger('info', sink) });
const abandoned = (mapping: string) => lines.filter((l) => l['mapping'] === mapping);

/** A run row a killed process left 'running' a minute ago. */
async function deadRow(mapping: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO integration.sync_jobs (id, mapping_name, direction, started_at)
     VALUES ($1, $2, 'ToIntegrationTable', now() - interval '1 minute')`,
    [id, mapping],
  );
  return id;
}

test('a dead run row with no queued job is logged without an empty jobs list', async () => {
  const row = await deadRow('DEADROW');
  assert.deepEqual(await recoverDeadRuns(deps(), boss, 'DEADROW'), ['DEADROW']);
  const [line, ...more] = abandoned('DEADROW');
  assert.equal(more.length, 0);
  assert.equal(line!['msg'], 'dead synchronization run abandoned');
  assert.equal(line!['level'], 40);
  assert.ok(!('jobs' in line!), `no jobs field: ${JSON.stringify(line)}`);
  const status = await db.query('SELECT status FROM integration.sync_jobs WHERE id = $1', [row]);
  assert.equal(status.rows[0]?.status, 'abandoned');
});

test('a dead queued job is named in the line and its run queued again', async () => {
  await deadRow('DEADJOB');
  const sent = await boss.send(SYNC_MAPPING_QUEUE, { mapping: 'DEADJOB', trigger: 'test' });
  // What a worker killed mid-run leaves: its job active since long before.
  await db.query(
    `UPDATE pgboss.job SET state = 'active', started_on = now() - interval '1 minute' WHERE id = $1`,
    [sent],
  );
  assert.deepEqual(await recoverDeadRuns(deps(), boss, 'DEADJOB'), ['DEADJOB']);
  const [line] = abandoned('DEADJOB');
  assert.deepEqual(line!['jobs'], [sent]);
  const again = await db.query(
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'trigger' = 'recovery'`,
    [SYNC_MAPPING_QUEUE],
  );
  assert.equal(again.rows[0]?.n, 1);
});

test('the run row of an outbound flow job whose run is alive is not abandoned; once its run is gone it is', async () => {
  const row = await deadRow('CUSTOMER STATISTICS');
  const status = async () =>
    (await db.query('SELECT status FROM integration.sync_jobs WHERE id = $1', [row])).rows[0]
      ?.status;
  // What a live run of the job holds (src/flows/outbound-jobs.ts): its job's lock, not its mapping's.
  const live = await withSessionLock(
    db,
    { holder: 'test run', key: RECURRING_JOB_LOCK, id: 'CUSTOMER STATISTICS' },
    async () => {
      assert.deepEqual(await recoverDeadRuns(deps(), boss, 'CUSTOMER STATISTICS'), []);
      return status();
    },
  );
  assert.equal(live?.value, 'running', 'a live run is not shown abandoned');
  assert.deepEqual(await recoverDeadRuns(deps(), boss, 'CUSTOMER STATISTICS'), [
    'CUSTOMER STATISTICS',
  ]);
  assert.equal(await status(), 'abandoned', 'the row of a run whose process died is');
});
