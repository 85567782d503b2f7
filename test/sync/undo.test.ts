import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { previewUndo, type UndoReport } from '../../src/sync/undo/undo-job.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
/** The ERP → CRM job that modified 100 accounts and created 10. */
let job: string;
/** Its undo. */
let undo: string;
let modifiedIds: string[];
let createdIds: string[];
let editedAccount: string;

const numbers = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);

before(async () => {
  fx = await startSyncFixture();
  // 100 customers already in the CRM (created and coupled by an earlier run).
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT n, 'Customer ' || n, 'Oslo' FROM unnest($1::text[]) AS n`,
    [numbers('U', 100)],
  );
  const first = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(first[0]!.counters.inserted, 100, first[0]!.message);
  // Then the job to undo: the 100 move to Bergen, and 10 new customers are created in the CRM.
  await fx.db.query("UPDATE erp.customers SET city = 'Bergen' WHERE number LIKE 'U%'");
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT n, 'New customer ' || n, 'Tromsø' FROM unnest($1::text[]) AS n`,
    [numbers('N', 10)],
  );
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(run[0]!.counters.modified, 100, run[0]!.message);
  assert.equal(run[0]!.counters.inserted, 10, run[0]!.message);
  job = run[0]!.jobId;
  modifiedIds = await crmIdsOf('U%');
  createdIds = await crmIdsOf('N%');
  assert.equal(modifiedIds.length, 100);
  assert.equal(createdIds.length, 10);
  // A salesperson edits one of the accounts after the job.
  editedAccount = modifiedIds[0]!;
  const edited = await fx.user.update('accounts', editedAccount, { address1_city: 'Stavanger' });
  assert.ok(edited.ok);
});
after(async () => {
  await fx?.close();
});

/** CRM ids of the customers whose numbers match, through their couplings. */
async function crmIdsOf(pattern: string): Promise<string[]> {
  const r = await fx.db.query<{ crm_id: string }>(
    `SELECT c.crm_id FROM integration.couplings c JOIN erp.customers k ON k.id = c.erp_id
      WHERE c.mapping_name = 'CUSTOMER' AND k.number LIKE $1 ORDER BY k.number`,
    [pattern],
  );
  return r.rows.map((x) => x.crm_id);
}

/** address1_city of the accounts, by id (accounts that do not exist are absent). */
async function cities(ids: readonly string[]): Promise<Map<string, unknown>> {
  const r = await fx.ctx.crm.get('account', ids);
  assert.ok(r.ok);
  return new Map([...r.value].map(([id, a]) => [id, a.values.address1_city]));
}

/** Everything either side and the log hold, to show that a preview changes none of it. */
async function fingerprint() {
  const r = await fx.db.query(
    `SELECT (SELECT count(*) FROM crm.records WHERE entity = 'account') AS accounts,
            (SELECT sum(version_number) FROM crm.records WHERE entity = 'account') AS versions,
            (SELECT count(*) FROM erp.customers) AS customers,
            (SELECT max(change_seq) FROM erp.customers) AS erp_seq,
            (SELECT count(*) FROM integration.couplings) AS couplings,
            (SELECT count(*) FROM integration.write_history_records) AS history,
            (SELECT count(*) FROM integration.sync_jobs) AS jobs,
            (SELECT count(*) FROM integration.sync_errors) AS errors`,
  );
  return r.rows[0];
}

const undoOk = async (id: string): Promise<UndoReport> => {
  const r = await undoJobLocked(fx.db, fx.ctx, id);
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.value;
};

test('the preview of the undo lists what it would do and writes nothing', async () => {
  const was = await fingerprint();
  const r = await previewUndo(fx.ctx, job);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const p = r.value;
  assert.equal(p.preview, true);
  assert.equal(p.undoJobId, null);
  assert.equal(p.counters.modified, 99);
  assert.equal(p.counters.skipped, 1, 'the account edited since has nothing left to restore');
  assert.equal(p.counters.deleted, 10);
  assert.equal(p.counters.uncoupled, 10);
  assert.deepEqual(
    p.notRestored.map((n) => [n.recordId, n.field, n.current, n.jobValue, n.before, n.reason]),
    [[editedAccount, 'address1_city', 'Stavanger', 'Bergen', 'Oslo', 'changed_since']],
  );
  const restored = p.restored.find((x) => x.recordId === modifiedIds[1]);
  assert.deepEqual(restored?.changes, { address1_city: { current: 'Bergen', restore: 'Oslo' } });
  assert.deepEqual(p.removed.map((x) => x.recordId).sort(), [...createdIds].sort());
  assert.ok(p.removed.every((x) => x.how === 'delete' && x.side === 'crm'));
  assert.deepEqual(await fingerprint(), was, 'no row on either side, nor in the log, changed');
});

test('undo restores the 99 accounts, leaves the one edited since (reported), and deletes and uncouples the 10 created', async () => {
  const u = await undoOk(job);
  assert.ok(u.undoJobId);
  undo = u.undoJobId;
  assert.equal(u.status, 'succeeded');
  assert.equal(u.counters.modified, 99);
  assert.equal(u.counters.deleted, 10);
  assert.equal(u.counters.uncoupled, 10);
  assert.equal(u.counters.failed, 0, JSON.stringify(u.failed));
  assert.match(u.message, /1 field left as it is/);

  const now = await cities(modifiedIds);
  assert.equal(now.get(editedAccount), 'Stavanger', 'the field changed since is left as edited');
  assert.equal(
    modifiedIds.slice(1).filter((id) => now.get(id) === 'Oslo').length,
    99,
    'the other 99 are back to their value before the job',
  );
  assert.equal((await cities(createdIds)).size, 0, 'the 10 created accounts are deleted');
  assert.deepEqual(await crmIdsOf('N%'), [], 'and uncoupled');
  assert.equal((await crmIdsOf('U%')).length, 100, 'the modified ones stay coupled');

  const j = await fx.db.query(
    'SELECT type, trigger, undo_of, status, modified, deleted FROM integration.sync_jobs WHERE id = $1',
    [undo],
  );
  assert.deepEqual(j.rows[0], {
    type: 'Undo',
    trigger: 'undo',
    undo_of: job,
    status: 'succeeded',
    modified: 99,
    deleted: 10,
  });
  const reported = await fx.db.query<{ crm_id: string; message: string }>(
    'SELECT crm_id, message FROM integration.sync_errors WHERE job_id = $1',
    [undo],
  );
  assert.equal(reported.rows.length, 1);
  assert.equal(reported.rows[0]!.crm_id, editedAccount);
  assert.match(reported.rows[0]!.message, /address1_city was not restored.*now "Stavanger"/);
  const deletes = await fx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM integration.write_history WHERE job_id = $1 AND action = 'delete' AND before ? 'name' AND coupled_id IS NOT NULL",
    [undo],
  );
  assert.equal(deletes.rows[0]!.n, 10, 'each delete keeps the record values and its partner');
});

test('a job is undone once: a second undo (and its preview) answers job_already_undone', async () => {
  const again = await undoJobLocked(fx.db, fx.ctx, job);
  assert.equal(again.ok, false);
  if (!again.ok) {
    assert.equal(again.error.code, 'job_already_undone');
    assert.match(again.error.message, new RegExp(undo));
  }
  const preview = await previewUndo(fx.ctx, job);
  assert.equal(preview.ok ? 'ok' : preview.error.code, 'job_already_undone');
});

test('undo of the undo brings the 10 accounts back (same ids, coupled) and re-applies the 99 modifications', async () => {
  const u = await undoOk(undo);
  assert.equal(u.counters.inserted, 10, JSON.stringify(u.failed));
  assert.equal(u.counters.coupled, 10);
  assert.equal(u.counters.modified, 99);
  assert.equal(u.counters.failed, 0, JSON.stringify(u.failed));
  const back = await fx.ctx.crm.get('account', createdIds);
  assert.ok(back.ok);
  assert.equal(back.value.size, 10);
  assert.ok(
    [...back.value.values()].every((a) => /^New customer N0\d\d$/.test(String(a.values.name))),
  );
  assert.deepEqual(await crmIdsOf('N%'), createdIds, 'coupled again with their customers');
  const now = await cities(modifiedIds);
  assert.equal(modifiedIds.filter((id) => now.get(id) === 'Bergen').length, 99);
  assert.equal(now.get(editedAccount), 'Stavanger');
  // The re-created accounts are in step: the next run has nothing to carry over.
  const next = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(next[0]!.counters.modified + next[0]!.counters.inserted, 0, next[0]!.message);
});

test('the ERP side: a CRM → ERP job is undone (modifications restored, created customers deleted and uncoupled) and brought back', async () => {
  // Settle the CRM changes so far (the salesperson's edit) so the job below is only this.
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'FromIntegrationTable' });
  const target = modifiedIds.slice(10, 15);
  for (const id of target)
    assert.ok((await fx.user.update('accounts', id, { telephone1: '+47 55 55 55 55' })).ok);
  const made: string[] = [];
  for (const name of ['Alpha AS', 'Beta AS', 'Gamma AS']) {
    const c = await fx.user.create('accounts', { name, customertypecode: 3 });
    assert.ok(c.ok);
    made.push(c.value.id);
  }
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'FromIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(run[0]!.counters.modified, 5, run[0]!.message);
  assert.equal(run[0]!.counters.inserted, 3, run[0]!.message);
  const phones = async () =>
    (
      await fx.db.query<{ phone_number: string }>(
        `SELECT k.phone_number FROM erp.customers k JOIN integration.couplings c ON c.erp_id = k.id
          WHERE c.crm_id = ANY($1::uuid[])`,
        [target],
      )
    ).rows.map((r) => r.phone_number);
  const created = async () =>
    (
      await fx.db.query<{ id: string; number: string }>(
        "SELECT id, number FROM erp.customers WHERE display_name IN ('Alpha AS', 'Beta AS', 'Gamma AS') ORDER BY display_name",
      )
    ).rows;
  assert.deepEqual(await phones(), Array(5).fill('+47 55 55 55 55'));
  const customers = await created();
  assert.equal(customers.length, 3);

  const was = await fingerprint();
  const preview = await previewUndo(fx.ctx, run[0]!.jobId);
  assert.ok(preview.ok);
  assert.equal(preview.value.counters.modified, 5);
  assert.deepEqual(
    preview.value.removed.map((r) => `${r.side}:${r.how}`),
    ['erp:delete', 'erp:delete', 'erp:delete'],
  );
  assert.deepEqual(await fingerprint(), was);

  const u = await undoOk(run[0]!.jobId);
  assert.equal(u.counters.modified, 5);
  assert.equal(u.counters.deleted, 3);
  assert.equal(u.counters.uncoupled, 3);
  assert.deepEqual(await phones(), Array(5).fill(''));
  assert.deepEqual(await created(), [], 'the 3 customers are deleted from the ERP');
  const left = await fx.db.query(
    'SELECT 1 FROM integration.couplings WHERE crm_id = ANY($1::uuid[])',
    [made],
  );
  assert.equal(left.rowCount, 0, 'and uncoupled from their accounts');

  const back = await undoOk(u.undoJobId!);
  assert.equal(back.counters.inserted, 3, JSON.stringify(back.failed));
  assert.equal(back.counters.coupled, 3);
  assert.equal(back.counters.modified, 5);
  assert.deepEqual(await created(), customers, 'the same customers (ids and numbers) are back');
  assert.deepEqual(await phones(), Array(5).fill('+47 55 55 55 55'));
  const coupled = await fx.db.query<{ erp_id: string }>(
    'SELECT erp_id FROM integration.couplings WHERE crm_id = ANY($1::uuid[])',
    [made],
  );
  assert.deepEqual(coupled.rows.map((r) => r.erp_id).sort(), customers.map((c) => c.id).sort());
  // The undo's writes are the integration's own: a run afterwards carries nothing either way.
  const next = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  for (const pass of next)
    assert.equal(
      pass.counters.modified + pass.counters.inserted + pass.counters.failed,
      0,
      `${pass.direction}: ${pass.message}`,
    );
});

test('a created record the ERP will not delete (still used) is blocked instead and uncoupled; undoing that unblocks and re-couples it', async () => {
  const account = await fx.user.create('accounts', { name: 'Delta AS', customertypecode: 3 });
  assert.ok(account.ok);
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'FromIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(run[0]!.counters.inserted, 1, run[0]!.message);
  const customer = async () =>
    (
      await fx.db.query<{ id: string; number: string; blocked: string }>(
        "SELECT id, number, blocked FROM erp.customers WHERE display_name = 'Delta AS'",
      )
    ).rows[0];
  const made = (await customer())!;
  // A quote for the new customer: the ERP refuses to delete a customer that is still used.
  await fx.db.query(
    `INSERT INTO erp.sales_headers (document_type, number, customer_number, bill_to_customer_number)
     VALUES ('Quote', 'SQ-UNDO', $1, $1)`,
    [made.number],
  );
  const coupledTo = async () =>
    (
      await fx.db.query<{ erp_id: string }>(
        'SELECT erp_id FROM integration.couplings WHERE crm_id = $1',
        [account.value.id],
      )
    ).rows.map((r) => r.erp_id);

  const u = await undoOk(run[0]!.jobId);
  assert.deepEqual(
    u.removed.map((r) => `${r.side}:${r.how}`),
    ['erp:deactivate'],
  );
  assert.equal(u.counters.deleted, 1);
  assert.equal(u.counters.uncoupled, 1);
  assert.equal((await customer())?.blocked, 'All', 'blocked, not deleted');
  assert.deepEqual(await coupledTo(), []);

  const back = await undoOk(u.undoJobId!);
  assert.equal(back.counters.modified, 1, JSON.stringify(back.failed));
  assert.equal(back.counters.coupled, 1);
  assert.equal((await customer())?.blocked, ' ', "BC's blank Blocked option again");
  assert.deepEqual(await coupledTo(), [made.id], 'coupled again with its account');
});
