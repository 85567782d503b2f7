import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { beginJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import type { PassDirection } from '../../src/sync/model.ts';
import { countErrors, listErrors, openErrorCounts } from '../../src/sync/queries.ts';
import { createMigratedDb } from '../helpers/database.ts';

/**
 * Open record errors are one per record and direction, its latest failure with the attempts, found
 * through the failures each new one supersedes (migration sync 039): a record that failed twice
 * and was synchronized since is not listed, one that failed in both directions is listed twice,
 * and the list, its count and numberOfErrors agree.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
before(async () => {
  db = await createMigratedDb('openerrors');
});
after(async () => {
  await db?.drop();
});

const ids = {
  fixed: '00000000-0000-4000-8000-000000000001',
  fixedCrm: '00000000-0000-4000-8000-0000000000c1',
  both: '00000000-0000-4000-8000-000000000002',
  bothCrm: '00000000-0000-4000-8000-0000000000c2',
  thrice: '00000000-0000-4000-8000-000000000003',
};

/** One failing pass of CUSTOMER in a direction: a job and the failures of the records given. */
async function failingPass(
  direction: PassDirection,
  records: { erpId: string | null; crmId: string | null }[],
): Promise<string> {
  const job = await beginJob(db, 'CUSTOMER', direction, 'test');
  for (const r of records)
    await logRecordError(db, job, 'CUSTOMER', direction, {
      erpTable: 'customers',
      erpId: r.erpId,
      crmEntity: 'account',
      crmId: r.crmId,
      message: `failed in ${job}`,
    });
  return job;
}

test('open errors: one per record and direction, latest failure, attempts; settled records drop out', async () => {
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, last_result_to_crm, created_at)
     VALUES (gen_random_uuid(), 'CUSTOMER', 'customers', $1, 'account', $2, 'Failure', now() - interval '1 hour'),
            (gen_random_uuid(), 'CUSTOMER', 'customers', $3, 'account', $4, 'Failure', now() - interval '1 hour')`,
    [ids.fixed, ids.fixedCrm, ids.both, ids.bothCrm],
  );
  const toCrm = (erpId: string, crmId: string | null = null) => ({ erpId, crmId });
  await failingPass('ToIntegrationTable', [
    toCrm(ids.fixed, ids.fixedCrm),
    toCrm(ids.both, ids.bothCrm),
    toCrm(ids.thrice),
    { erpId: null, crmId: null },
  ]);
  await failingPass('ToIntegrationTable', [toCrm(ids.fixed, ids.fixedCrm), toCrm(ids.thrice)]);
  const last = await failingPass('ToIntegrationTable', [
    toCrm(ids.thrice),
    { erpId: null, crmId: null },
  ]);
  await failingPass('FromIntegrationTable', [{ erpId: ids.both, crmId: ids.bothCrm }]);
  // The record that failed twice is synchronized by a later pass: fine now, not listed.
  const fixing = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  await db.query(
    `UPDATE integration.couplings SET last_result_to_crm = 'Success', last_job_to_crm = $2
      WHERE erp_id = $1`,
    [ids.fixed, fixing],
  );

  const open = await listErrors(db, { top: 100, skip: 0 });
  const rows = open.map((e) => [e.direction, e.erpId, e.attempts]);
  assert.deepEqual(rows, [
    ['FromIntegrationTable', ids.both, 1],
    ['ToIntegrationTable', null, 1],
    ['ToIntegrationTable', ids.thrice, 3],
    ['ToIntegrationTable', null, 1],
    ['ToIntegrationTable', ids.both, 1],
  ]);
  const history = await listErrors(db, { top: 100, skip: 0, all: true });
  assert.equal(history.length, 9);
  assert.deepEqual(
    history.filter((e) => e.erpId === ids.fixed).map((e) => e.settled),
    [true, true],
    'the history keeps the settled failures',
  );
  const thrice = open.find((e) => e.erpId === ids.thrice);
  assert.equal(
    thrice?.id,
    Math.max(...history.filter((e) => e.erpId === ids.thrice).map((e) => e.id)),
    'the latest failure',
  );
  assert.equal(thrice?.jobId, last);
  assert.equal(await countErrors(db, {}), 5);
  assert.equal((await openErrorCounts(db)).get('CUSTOMER'), 5);
  // A job's open errors: the records whose latest failure is the job's.
  assert.deepEqual(
    (await listErrors(db, { top: 100, skip: 0, jobId: last })).map((e) => e.erpId),
    [null, ids.thrice],
  );
  assert.equal(await countErrors(db, { jobId: last }), 2);
  // Pages walk the list in its order.
  const page2 = await listErrors(db, { top: 2, skip: 2 });
  assert.deepEqual(
    page2.map((e) => e.id),
    open.slice(2, 4).map((e) => e.id),
  );

  // Failing again after it was fine: open again, its newest failure first.
  const relapse = await failingPass('ToIntegrationTable', [toCrm(ids.fixed, ids.fixedCrm)]);
  await db.query(
    `UPDATE integration.couplings SET last_result_to_crm = 'Failure', last_job_to_crm = $2
      WHERE erp_id = $1`,
    [ids.fixed, relapse],
  );
  const again = await listErrors(db, { top: 1, skip: 0 });
  assert.deepEqual(
    again.map((e) => [e.erpId, e.jobId]),
    [[ids.fixed, relapse]],
  );
  assert.equal(await countErrors(db, {}), 6);
});
