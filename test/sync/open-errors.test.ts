import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import {
  insertCoupling,
  markFailed,
  markSynced,
  restoreSkipped,
} from '../../src/sync/couplings/coupling-repo.ts';
import { beginJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import type { PassDirection } from '../../src/sync/model.ts';
import { countErrors, listErrors, openErrorCounts } from '../../src/sync/queries.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

/**
 * Open record errors are one per record and direction, its latest failure with the attempts, found
 * through the failures each new one supersedes (migration sync 039): a record that failed twice
 * and was synchronized since is not listed, one that failed in both directions is listed twice,
 * and the list, its count and numberOfErrors agree. The attempts count a record's failures since
 * it was last settled (migration sync 041): a record that fails again after a successful pass or
 * a coupling starts at 1, though the coupling no longer shows that settlement.
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
    again.map((e) => [e.erpId, e.jobId, e.attempts]),
    [[ids.fixed, relapse, 1]],
    'its failures before the pass that settled them are not counted',
  );
  assert.equal(await countErrors(db, {}), 6);
});

/**
 * One record's passes as the engine records them (failRecord: the failure logged, then the
 * coupling marked failed; a successful pass marks it synchronized). Answers the record's open
 * error, if any.
 */
async function passes(erpId: string) {
  const fail = async (couplingId: string | null, message: string) => {
    const job = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
    await logRecordError(db, job, 'CUSTOMER', 'ToIntegrationTable', {
      erpTable: 'customers',
      erpId,
      crmEntity: 'account',
      crmId: null,
      message,
    });
    if (couplingId) await markFailed(db, couplingId, 'ToIntegrationTable', job, message);
  };
  const synced = async (couplingId: string) => {
    const job = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
    await markSynced(db, couplingId, 'ToIntegrationTable', job, { erpSeq: 1, crmVersion: 1 });
  };
  const open = async () =>
    (await listErrors(db, { top: 100, skip: 0, mapping: 'CUSTOMER' })).find(
      (e) => e.erpId === erpId,
    );
  return { fail, synced, open };
}

/** A CUSTOMER coupling of the ERP customer `erpId` to the CRM account `crmId`. */
const customerCoupling = (erpId: string, crmId: string) =>
  insertCoupling(db, {
    mappingName: 'CUSTOMER',
    erpTable: 'customers',
    erpId,
    crmEntity: 'account',
    crmId,
  });

test('attempts: the failures since the record was last settled, not every failure ever', async () => {
  // The trial's record: failed, failed again with the same message (skipped), a retry of the
  // skipped record succeeded; failed, a pass succeeded; failed again: its first failure since.
  const erpId = '00000000-0000-4000-8000-000000000010';
  const coupling = await customerCoupling(erpId, '00000000-0000-4000-8000-0000000000d0');
  const r = await passes(erpId);
  await r.fail(coupling.id, 'refused: settled twice since');
  await r.fail(coupling.id, 'refused: settled twice since');
  assert.equal((await r.open())?.attempts, 2);
  assert.equal(await restoreSkipped(db, [coupling.id]), 1, 'the same error twice skipped it');
  await r.synced(coupling.id);
  assert.equal(await r.open(), undefined, 'settled by the retry');
  await r.fail(coupling.id, 'refused: settled twice since');
  assert.equal((await r.open())?.attempts, 1);
  await r.synced(coupling.id);
  await r.fail(coupling.id, 'refused: settled twice since');
  assert.equal((await r.open())?.attempts, 1, 'fail, fail, settle, fail, settle, fail');
  await r.fail(coupling.id, 'refused again: settled twice since');
  assert.equal((await r.open())?.attempts, 2, 'its count goes on until it is settled');

  // Failing three times without being settled in between: three attempts.
  const thrice = '00000000-0000-4000-8000-000000000011';
  const t = await passes(thrice);
  for (let i = 1; i <= 3; i++) await t.fail(null, `refused ${i} of three`);
  assert.equal((await t.open())?.attempts, 3);

  // Coupling settles too: a record that failed uncoupled and fails once coupled starts again.
  const coupledLater = '00000000-0000-4000-8000-000000000012';
  const c = await passes(coupledLater);
  await c.fail(null, 'refused before coupling');
  await c.fail(null, 'refused before coupling');
  const later = await customerCoupling(coupledLater, '00000000-0000-4000-8000-0000000000d2');
  assert.equal(await c.open(), undefined, 'settled by the coupling');
  await c.fail(later.id, 'refused once coupled');
  assert.equal((await c.open())?.attempts, 1);

  // kobling errors says "(failed N times)" only for a record that failed more than once.
  const cli = spawnKobling(['errors', '--mapping', 'CUSTOMER'], {
    DATABASE_URL: db.url,
    KOBLING_SECRET_KEY: 'e'.repeat(40),
  });
  assert.equal(await cli.exited(), 0, cli.output());
  const line = (message: string) =>
    cli
      .output()
      .split('\n')
      .find((l) => l.includes(`: ${message}`)) ?? `no line for ${message}:\n${cli.output()}`;
  assert.match(line('refused again: settled twice since'), /since \(failed 2 times\)$/);
  assert.match(line('refused 3 of three'), /three \(failed 3 times\)$/);
  assert.match(line('refused once coupled'), /coupled$/);
});

test('the history: failures before a settlement read settled though the record failed again', async () => {
  const erpId = '00000000-0000-4000-8000-000000000020';
  const coupling = await customerCoupling(erpId, '00000000-0000-4000-8000-0000000000e0');
  const r = await passes(erpId);
  const history = async () =>
    (await listErrors(db, { top: 100, skip: 0, mapping: 'CUSTOMER', all: true }))
      .filter((e) => e.erpId === erpId)
      .reverse()
      .map((e) => `${e.message}: ${e.settled ? 'settled' : 'open'}`);
  for (let i = 1; i <= 3; i++) await r.fail(coupling.id, `history ${i}`);
  assert.deepEqual(await history(), ['history 1: open', 'history 2: open', 'history 3: open']);
  await r.synced(coupling.id);
  await r.fail(coupling.id, 'history 4');
  assert.deepEqual(
    await history(),
    ['history 1: settled', 'history 2: settled', 'history 3: settled', 'history 4: open'],
    'fail ×3, settled, fail: the first three settled, the last open',
  );
  await r.fail(coupling.id, 'history 5');
  assert.deepEqual((await history()).slice(3), ['history 4: open', 'history 5: open']);
  await r.synced(coupling.id);
  assert.deepEqual(
    (await history()).filter((h) => h.endsWith('open')),
    [],
    'settled again: every failure settled',
  );
  assert.equal(await r.open(), undefined);
});

test('failures recorded before migration sync 041 keep the attempts they were shown with', async () => {
  const shown = async () =>
    new Map(
      (await listErrors(db, { top: 100, skip: 0 })).map((e) => [e.erpId ?? `${e.id}`, e.attempts]),
    );
  const now = await shown();
  await db.query('ALTER TABLE integration.sync_errors DROP COLUMN attempt');
  await db.query(
    await readFile(
      new URL('../../src/sync/migrations/041_open_errors_attempt.sql', import.meta.url),
      'utf8',
    ),
  );
  const migrated = await shown();
  assert.equal(migrated.get('00000000-0000-4000-8000-000000000011'), 3, 'no settlement between');
  assert.equal(migrated.get(ids.thrice), now.get(ids.thrice));
  for (const [key, attempts] of migrated)
    if (!key.startsWith('0000')) assert.equal(attempts, 1, 'an error naming no record');
  // Before the migration a record's settlements between its failures were not recorded: the
  // trial's record counts all five failures, as the list showed it then.
  assert.equal(migrated.get('00000000-0000-4000-8000-000000000010'), 5);
  assert.equal(now.get('00000000-0000-4000-8000-000000000010'), 2);
});
