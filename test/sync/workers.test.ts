import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startJobQueue } from '../../src/db/job-queue.ts';
import { SYNC_MAPPING_QUEUE } from '../../src/integration/sync-jobs.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { startCustomerSend } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';

const SECRET_KEY = 'w'.repeat(40);
const N = 300;
const fx = useFixture(() =>
  startCustomerSend({
    secretKey: SECRET_KEY,
    n: N,
    customers: { number: 'W', name: 'Worker test customer', city: 'Oslo' },
  }),
);

test('two worker processes on one database: every record synchronized exactly once', async () => {
  const env = { ...fx.env, KOBLING_WORKER_CONCURRENCY: '2' };
  const workers = [spawnKobling(['worker'], env), spawnKobling(['worker'], env)];
  try {
    await Promise.all(workers.map((w) => w.waitFor(/is running/, 30_000)));
    const boss = await startJobQueue(fx.db, createLogger('silent'));
    try {
      // Several runs of the same mapping at once: the workers must never run it twice in parallel.
      for (let i = 0; i < 6; i++)
        await boss.send(SYNC_MAPPING_QUEUE, { mapping: 'CUSTOMER', trigger: `test-${i}` });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const open = await fx.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
          [SYNC_MAPPING_QUEUE],
        );
        if (open.rows[0]!.n === 0) break;
        if (Date.now() > deadline) throw new Error('mapping jobs did not finish in time');
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    for (const w of workers) assert.equal(await w.stop(), 0, w.output());
  }
  const couplings = await fx.db.query<{ n: number; distinct_crm: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT crm_id)::int AS distinct_crm FROM integration.couplings
     WHERE mapping_name = 'CUSTOMER' AND state = 'coupled'`,
  );
  assert.deepEqual(couplings.rows[0], { n: N, distinct_crm: N });
  const accounts = await fx.client.collectAll<{ name: string }>('accounts', {
    select: ['name'],
    filter: "startswith(name,'Worker test customer')",
  });
  assert.ok(accounts.ok);
  assert.equal(accounts.value.length, N, 'no duplicates and none missing in the CRM');
  assert.equal(new Set(accounts.value.map((a) => a.name)).size, N);
  const overlaps = await fx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM integration.sync_jobs a JOIN integration.sync_jobs b
       ON a.mapping_name = b.mapping_name AND a.id < b.id AND a.direction = b.direction
      AND a.started_at < coalesce(b.finished_at, now()) AND b.started_at < coalesce(a.finished_at, now())
     WHERE a.mapping_name = 'CUSTOMER'`,
  );
  assert.equal(overlaps.rows[0]!.n, 0, 'no two runs of the mapping overlapped');
});
