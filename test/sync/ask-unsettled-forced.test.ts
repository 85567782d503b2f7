import assert from 'node:assert/strict';
import { test } from 'node:test';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { synchronizeNow } from '../../src/sync/service/synchronize-now.ts';
import {
  accountFields,
  customerFields,
  LONG_EMAIL,
  LONG_WEBSITE,
  openConflicts,
  runPair,
  useAskCustomers,
} from '../helpers/sync-data.ts';

// A forced run (Synchronize now send/get, the runs after coupling: RunOptions.force) takes every
// record and ignores what the versions say changed. A record marked unsettled under policy `ask`
// (docs/sync-engine.md, "Update conflicts") holds a user's change its versions hide; a forced run
// must respect the mark as the scheduled run does: the change is written back or held in the
// inbox, never overwritten by the other side's old value.
const { fx, pairs } = useAskCustomers(
  `INSERT INTO erp.customers (number, display_name, city, website, email)
   SELECT 'C4000' || n, 'Fabrikam ' || n, 'Oslo', 'https://fabrikam.example', 'info@fabrikam.example'
     FROM generate_series(1, 4) AS n
   ORDER BY n RETURNING id`,
);

/** The fields of the pair's records these tests change. */
const FIELDS = ['city', 'website', 'email'] as const;
const account = (id: string) => accountFields(fx, id, FIELDS);
const customer = (id: string) => customerFields(fx.db, id, FIELDS);
const couplingId = async (p: { erp: string }) =>
  (
    await fx.db.query<{ id: string }>('SELECT id FROM integration.couplings WHERE erp_id = $1', [
      p.erp,
    ])
  ).rows[0]!.id;
const unsettled = async (id: string) =>
  (
    await fx.db.query<{ unsettled: boolean }>(
      `SELECT unsettled_at IS NOT NULL AS unsettled
         FROM integration.conflict_baselines WHERE coupling_id = $1`,
      [id],
    )
  ).rows[0]!.unsettled;

test('Synchronize now (send) after a refused write-back: the CRM user’s website is not overwritten', async () => {
  const p = pairs[0]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Molde' WHERE id = $1", [p.erp]);
  // Longer than the ERP's website field: the write-back is refused, the record unsettled.
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: LONG_WEBSITE })).ok);
  const [first] = await runPair(fx, p, 'ToIntegrationTable');
  assert.equal(first!.counters.failed, 1, first!.message);
  const id = await couplingId(p);
  assert.equal(await unsettled(id), true);

  // The admin sends the customer now. By its versions only the ERP side changed (the CRM's last
  // modifier is the integration), so there is nothing to confirm: the send runs forced.
  const sent = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [p.erp], 'send');
  assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
  assert.deepEqual(
    sent.value.records.map((r) => r.outcome),
    ['failed'],
    'the write-back is refused again: the record says so',
  );
  assert.equal(
    (await account(p.crm)).website,
    LONG_WEBSITE,
    'the ERP’s old website is not sent over the CRM user’s',
  );
  assert.equal((await customer(p.erp)).website, 'https://fabrikam.example');
  assert.equal(await unsettled(id), true, 'still not agreed');
  assert.deepEqual(await openConflicts(fx.db, id), []);
});

test('a forced CRM → ERP pass after a refused write-back: the ERP user’s e-mail is not overwritten', async () => {
  const p = pairs[1]!;
  assert.ok((await fx.user.update('accounts', p.crm, { address1_city: 'Narvik' })).ok);
  await fx.db.query('UPDATE erp.customers SET email = $2 WHERE id = $1', [p.erp, LONG_EMAIL]);
  const [first] = await runPair(fx, p, 'FromIntegrationTable');
  assert.equal(first!.counters.failed, 1, first!.message);
  const id = await couplingId(p);
  assert.equal(await unsettled(id), true);

  const [forced] = await runPair(fx, p, 'FromIntegrationTable', true);
  assert.equal(forced!.counters.failed, 1, forced!.message);
  assert.equal(
    (await customer(p.erp)).email,
    LONG_EMAIL,
    'the CRM’s old e-mail is not sent over the ERP user’s',
  );
  assert.equal((await account(p.crm)).email, 'info@fabrikam.example');
  assert.equal(await unsettled(id), true);
});

test('a forced send after an undo writes the CRM user’s change back and settles the record', async () => {
  const p = pairs[2]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Tromsø' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: 'https://tromso.example' })).ok);
  const [toCrm] = await runPair(fx, p);
  assert.equal(toCrm!.message, '1 modified; 1 written back to the ERP');
  const u = await undoJobLocked(fx.db, fx.ctx, toCrm!.jobId);
  assert.ok(u.ok, u.ok ? '' : u.error.message);
  const id = await couplingId(p);
  assert.equal(await unsettled(id), true);

  // Forced: the ERP's city (which the undo took back from the CRM) is sent again; the CRM user's
  // website, which the ERP does not have, goes back to the ERP instead of being overwritten.
  const [forced] = await runPair(fx, p, 'ToIntegrationTable', true);
  assert.equal(forced!.message, '1 modified; 1 written back to the ERP');
  const both = {
    city: 'Tromsø',
    website: 'https://tromso.example',
    email: 'info@fabrikam.example',
  };
  assert.deepEqual(await account(p.crm), both);
  assert.deepEqual(await customer(p.erp), both);
  assert.equal(await unsettled(id), false);
  assert.deepEqual(await openConflicts(fx.db, id), []);
});

test('a forced send of an unsettled record whose field both sides changed holds it in the inbox', async () => {
  const p = pairs[3]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Bodø' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: LONG_WEBSITE })).ok);
  await runPair(fx, p, 'ToIntegrationTable');
  const id = await couplingId(p);
  assert.equal(await unsettled(id), true);
  // An ERP user changes the website as well: it differs from the agreed one on both sides now.
  await fx.db.query("UPDATE erp.customers SET website = 'https://erp.example' WHERE id = $1", [
    p.erp,
  ]);
  const sent = await synchronizeNow(fx.ctx, fx.mapping('CUSTOMER'), [p.erp], 'send');
  assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
  assert.deepEqual(
    sent.value.records.map((r) => r.outcome),
    ['heldInInbox'],
  );
  assert.deepEqual(await openConflicts(fx.db, id), [
    { erp_field: 'website', erp_value: 'https://erp.example', crm_value: LONG_WEBSITE },
  ]);
  assert.equal((await account(p.crm)).website, LONG_WEBSITE);
  assert.equal((await customer(p.erp)).website, 'https://erp.example');
});
