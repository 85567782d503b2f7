import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openDb } from '../../src/db/db.ts';
import { withMappingLock } from '../../src/integration/mapping-lock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { freePort, type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { connectCustomersBothWays } from '../helpers/sync-data.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

// A PostgreSQL connection cut while a job holds it (an administrator's pg_terminate_backend, a
// restart, Ctrl+C reaching the embedded PostgreSQL) fails that work, is logged, and leaves the
// process running: pg emits 'error' on a checked-out client, which pg-pool does not listen to.
const SECRET_KEY = 'l'.repeat(40);
const LOST = 'database connection lost while in use';
const ACCOUNTS = 5;
let fx: SyncFixture;
let dataDir: string;
let server: KoblingProcess | undefined;

before(async () => {
  fx = await startSyncFixture();
  dataDir = mkdtempSync(path.join(tmpdir(), 'kobling-lost-connection-'));
});
after(async () => {
  await server?.stop();
  await fx?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Polls `check` until it holds, failing with `what` after the deadline. */
async function until(what: () => string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A logger writing JSON lines into `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

const terminate = (pid: number) => fx.db.query('SELECT pg_terminate_backend($1)', [pid]);

test('in process: a transaction whose connection is terminated fails, a mapping lock is taken again, both logged; the next ones work', async () => {
  const { logger, lines } = capturingLogger();
  const db = openDb(fx.db.url, { max: 2, logger });
  try {
    const lostLine = (holder: string) =>
      lines.find((l) => l.includes(LOST) && l.includes(`"holder":"${holder}"`));

    await assert.rejects(
      db.transaction(async (tx) => {
        const me = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await terminate(me.rows[0]!.pid);
        await until(
          () => `no lost-connection line: ${lines.join('\n')}`,
          () => lostLine('transaction') !== undefined,
        );
        await tx.query('SELECT 1');
      }),
      /not queryable|terminat/i,
    );
    const line = JSON.parse(lostLine('transaction')!) as { level: number; err: { code: string } };
    assert.equal(line.level, 40, 'logged as a warning');
    assert.equal(line.err.code, '57P01', 'with what PostgreSQL said');
    const next = await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'));
    assert.equal(next.rows[0]!.one, 1, 'the next transaction works');

    const ran = await withMappingLock(
      db,
      'CUSTOMER',
      async () => {
        const holder = await fx.db.query<{ pid: number }>(
          `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'kobling-locks'
              AND a.datname = current_database()`,
        );
        assert.equal(holder.rowCount, 1, 'the lock holder is found');
        await terminate(holder.rows[0]!.pid);
        await until(
          () => `no lost-connection line: ${lines.join('\n')}`,
          () => lostLine('mapping lock CUSTOMER') !== undefined,
        );
        // The run goes on: its lock is taken again on a new connection, so no other run starts.
        await until(
          () => `the lock was not taken again: ${lines.join('\n')}`,
          () => lines.some((l) => l.includes('lock lost with its connection taken again')),
        );
        const other = await withMappingLock(fx.db, 'CUSTOMER', async () => 'other', {
          waitMs: 0,
        });
        assert.equal(other.ok ? 'ran' : other.error.code, 'mapping_busy');
        return 'ran';
      },
      { waitMs: 0 },
    );
    assert.deepEqual(ran, { ok: true, value: 'ran' });
    const again = await withMappingLock(db, 'CUSTOMER', async () => 'again', { waitMs: 0 });
    assert.deepEqual(again, { ok: true, value: 'again' }, 'the lock is free and taken again');
    assert.doesNotMatch(lines.join('\n'), /secretKey|processID/);
  } finally {
    await db.close();
  }
});

test('`kobling start`: a run whose connections are terminated mid-way fails with a message, the process stays up, and the next run succeeds', async () => {
  const token = await connectCustomersBothWays(fx, {
    secretKey: SECRET_KEY,
    username: 'lost-connection',
  });
  for (let i = 1; i <= ACCOUNTS; i++) {
    const r = await fx.user.create('accounts', { name: `Cut account ${i}`, customertypecode: 3 });
    assert.ok(r.ok);
  }
  const port = await freePort();
  const s = spawnKobling(['start', '--no-crm-emulator', '--no-demo', '--port', String(port)], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: SECRET_KEY,
    KOBLING_DATA_DIR: dataDir,
    KOBLING_REALTIME: 'false',
  });
  server = s;
  await s.waitFor(/Kobling is running/, 90_000);
  const runNow = async () => {
    const res = await fetch(
      `http://127.0.0.1:${port}/api/integration/v1/tableMappings/CUSTOMER/runNow`,
      { method: 'POST', headers: { Authorization: `Bearer ${token}` } },
    );
    return { status: res.status, body: await res.text() };
  };

  // Hold the ERP customers table against writes: the run's first ERP create waits inside its
  // transaction, with the mapping's lock held on another connection. Both are then cut.
  const blocker = new pg.Client({ connectionString: fx.db.url });
  blocker.on('error', (err) => assert.fail(err));
  await blocker.connect();
  let cut: Awaited<ReturnType<typeof runNow>>;
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE erp.customers IN SHARE MODE');
    const me = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
      .pid;
    const answer = runNow();
    let waiting: number[] = [];
    await until(
      () => `the run never waited on the lock:\n${s.output()}`,
      async () => {
        const r = await fx.db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid))
              AND xact_start < query_start`,
          [me],
        );
        waiting = r.rows.map((row) => row.pid);
        return waiting.length > 0;
      },
      60_000,
    );
    const holders = await fx.db.query<{ pid: number }>(
      `SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'kobling-locks'
          AND a.datname = current_database()`,
    );
    assert.ok((holders.rowCount ?? 0) > 0, 'the mapping lock holder is found');
    for (const pid of [...waiting, ...holders.rows.map((r) => r.pid)]) await terminate(pid);
    await until(
      () => `no lost-connection lines:\n${s.output()}`,
      () =>
        s.output().includes('"holder":"transaction"') &&
        s.output().includes('"holder":"mapping lock CUSTOMER"'),
    );
    await blocker.query('ROLLBACK');
    cut = await answer;
  } finally {
    await blocker.end();
  }

  assert.equal(s.child.exitCode, null, `the process is still running:\n${s.output()}`);
  assert.equal(cut.status, 200, cut.body);
  const jobs = (JSON.parse(cut.body) as { jobs: { status: string; message: string }[] }).jobs;
  const failed = jobs.filter((j) => j.status === 'failed');
  assert.equal(failed.length, 1, cut.body);
  assert.match(failed[0]!.message, /terminat|not queryable/i, 'the job says why');

  const next = await runNow();
  assert.equal(next.status, 200, next.body);
  const nextJobs = (JSON.parse(next.body) as { jobs: { status: string }[] }).jobs;
  assert.ok(nextJobs.length > 0 && nextJobs.every((j) => j.status === 'succeeded'), next.body);
  const created = await fx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM erp.customers WHERE display_name LIKE 'Cut account %'",
  );
  assert.equal(created.rows[0]!.n, ACCOUNTS, 'the next run created every customer');
  assert.equal(s.child.exitCode, null);
  assert.doesNotMatch(s.output(), /secretKey|processID|"level":60/);
});
