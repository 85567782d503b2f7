import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEntity } from '../../src/erp/public-api.ts';
import { runStatisticsJob } from '../../src/flows/account-statistics/statistics-job.ts';
import { type OutboundContext, openOutbound } from '../../src/flows/outbound-context.ts';
import { StoppedByShutdown } from '../../src/shared/stopping.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

const CUSTOMERS = 600;
const CHUNK = 100;

const t = useFixture(startOutboundFixture, async (f) => {
  const ids: string[] = [];
  await f.fx.db.transaction(async (tx) => {
    for (let i = 1; i <= CUSTOMERS; i++) {
      const r = await createEntity(tx, 'customers', {
        number: `T${String(i).padStart(4, '0')}`,
        displayName: `Stop customer ${i}`,
        creditLimit: i,
      });
      if (!r.ok) throw new Error(r.error.message);
      ids.push(r.value.id);
    }
  });
  const r = await f.ok('POST', '/createInCrm', { mapping: 'CUSTOMER', erpIds: ids });
  assert.equal(r.created.length, CUSTOMERS, JSON.stringify(r.failed[0]));
});

/** The outbound context of the running server, with a stop signal of the test's own. */
async function outbound(signal?: AbortSignal): Promise<OutboundContext> {
  const o = await openOutbound(t.server.ctx);
  assert.ok(o.ok, o.ok ? '' : o.error.message);
  return { ...o.value, engine: { ...o.value.engine, chunkSize: CHUNK, signal } };
}

const statisticsRows = async () =>
  (
    await t.fx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'nav_accountstatistics'",
    )
  ).rows[0]!.n;

test('a statistics run aborted by the stop ends at its next chunk as stopped by shutdown; the next run does the rest', async () => {
  const stop = new AbortController();
  const o = await outbound(stop.signal);
  let writes = 0;
  // The process's stop arrives while the first chunk is being written to the CRM.
  const crm = o.engine.crm;
  const aborting: OutboundContext = {
    ...o,
    engine: {
      ...o.engine,
      crm: {
        ...crm,
        write: (w) => {
          writes++;
          stop.abort(new StoppedByShutdown());
          return crm.write(w);
        },
      },
    },
  };
  await assert.rejects(runStatisticsJob(aborting, {}, 'schedule'), StoppedByShutdown);
  assert.equal(writes, 1, 'no chunk after the stop was written');
  const written = await statisticsRows();
  assert.equal(written, CHUNK, 'the chunk written before the stop stays written');

  const jobs = await t.ok('GET', '/jobs?mapping=CUSTOMER%20STATISTICS');
  assert.equal(jobs.value.length, 1);
  assert.equal(jobs.value[0].status, 'failed');
  assert.equal(jobs.value[0].message, 'Stopped by shutdown');
  assert.equal(jobs.value[0].inserted, CHUNK, 'its counters show what it wrote');

  // The queue runs it again (the job's state was not advanced): every customer gets its row.
  const rerun = await runStatisticsJob(await outbound(), {}, 'schedule');
  assert.ok(rerun.ok, rerun.ok ? '' : rerun.error.message);
  assert.equal(rerun.value.customers, CUSTOMERS + 2, 'its customers looked at again');
  assert.equal(await statisticsRows(), CUSTOMERS + 2, 'nothing lost: a row per coupled customer');
  const left = await t.fx.db.query(
    `SELECT 1 FROM integration.couplings
      WHERE erp_table = 'customers' AND state = 'coupled' AND NOT statistics_uploaded`,
  );
  assert.equal(left.rowCount, 0);
  const after = await t.ok('GET', '/jobs?mapping=CUSTOMER%20STATISTICS');
  assert.equal(after.value[0].status, 'succeeded');
  assert.equal(after.value[0].inserted, CUSTOMERS + 2 - CHUNK, 'the rest created');
  assert.equal(after.value[0].unchanged, CHUNK, 'what the stopped run wrote is found up to date');
});
