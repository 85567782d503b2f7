import assert from 'node:assert/strict';
import { test } from 'node:test';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { restoreSkipped } from '../../src/sync/couplings/coupling-repo.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { resolveConflict } from '../../src/sync/service/resolve-conflicts.ts';
import {
  accountFields,
  customerFields,
  LONG_EMAIL,
  LONG_WEBSITE,
  openConflicts,
  runPair,
  useAskCustomers,
} from '../helpers/sync-data.ts';

// Policy `ask` (docs/sync-engine.md, "Update conflicts"): after the integration wrote a record
// while its two sides did not agree — a write-back the other side refused, an undo — the record's
// last modifier is the integration user, so by its versions the other side looks unchanged. What a
// user typed there must still not be overwritten by the next run: the record is compared with the
// agreed values (baselines) field by field.
const { fx, pairs } = useAskCustomers(
  `INSERT INTO erp.customers (number, display_name, city, website, email)
   SELECT 'C3000' || n, 'Northwind ' || n, 'Oslo', 'https://northwind.example', 'info@northwind.example'
     FROM generate_series(1, 6) AS n
   ORDER BY n RETURNING id`,
);

/** The fields of the pair's records these tests change. */
const FIELDS = ['city', 'website', 'email'] as const;
const account = (id: string) => accountFields(fx, id, FIELDS);
const customer = (id: string) => customerFields(fx.db, id, FIELDS);
const coupling = async (p: { erp: string }) =>
  (
    await fx.db.query<{
      id: string;
      to_crm: string | null;
      to_erp: string | null;
      error_to_crm: string | null;
      error_to_erp: string | null;
      skipped: boolean;
    }>(
      `SELECT id, last_result_to_crm AS to_crm, last_result_to_erp AS to_erp,
         last_error_to_crm AS error_to_crm, last_error_to_erp AS error_to_erp, skipped
       FROM integration.couplings WHERE erp_id = $1`,
      [p.erp],
    )
  ).rows[0]!;
const baseline = async (couplingId: string) =>
  (
    await fx.db.query<{ crm_values: Record<string, unknown>; unsettled: boolean }>(
      `SELECT crm_values, unsettled_at IS NOT NULL AS unsettled
         FROM integration.conflict_baselines WHERE coupling_id = $1`,
      [couplingId],
    )
  ).rows[0]!;

test('ERP → CRM, write-back refused by the ERP: the CRM user’s website survives every retry, and the record keeps failing', async () => {
  const p = pairs[0]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Molde' WHERE id = $1", [p.erp]);
  // Longer than the ERP's website field (80 characters) takes: the ERP refuses the write-back.
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: LONG_WEBSITE })).ok);
  const [first] = await runPair(fx, p, 'ToIntegrationTable');
  assert.equal(first!.counters.failed, 1, first!.message);
  assert.deepEqual(await account(p.crm), {
    city: 'Molde',
    website: LONG_WEBSITE,
    email: 'info@northwind.example',
  });
  const c = await coupling(p);
  assert.equal(c.to_crm, 'Failure');
  // The city is agreed now, the website not: its agreed value stays the one before.
  const b = await baseline(c.id);
  assert.equal(b.crm_values.address1_city, 'Molde');
  assert.equal(b.crm_values.websiteurl, 'https://northwind.example');
  assert.equal(b.unsettled, true);

  // The retries (the next scheduled runs, both passes): nobody touched the record meanwhile.
  for (const attempt of [1, 2]) {
    const [toCrm, toErp] = await runPair(fx, p);
    assert.equal(
      (await account(p.crm)).website,
      LONG_WEBSITE,
      `run ${attempt}: the CRM user's website is not overwritten by the ERP's old one`,
    );
    assert.equal((await customer(p.erp)).website, 'https://northwind.example');
    assert.equal(
      toCrm!.counters.modified + toErp!.counters.modified,
      0,
      `run ${attempt}: ${toCrm!.message} / ${toErp!.message}`,
    );
  }
  const after = await coupling(p);
  assert.equal(after.to_crm, 'Failure', 'still failing, not silently in step');
  assert.match(after.error_to_crm ?? '', /^Modifying customers failed/);
  assert.equal(after.skipped, true, 'the same error twice: skipped until someone restores it');
  assert.deepEqual(await openConflicts(fx.db, c.id), []);

  // Once the value fits the ERP (the CRM user shortens it), the restored record synchronizes.
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: 'https://short.example' })).ok);
  assert.equal(await restoreSkipped(fx.db, [c.id]), 1);
  await runPair(fx, p);
  assert.deepEqual(await customer(p.erp), {
    city: 'Molde',
    website: 'https://short.example',
    email: 'info@northwind.example',
  });
  assert.equal((await baseline(c.id)).unsettled, false);
});

test('CRM → ERP, write-back refused by the CRM: the ERP user’s e-mail survives the retries', async () => {
  const p = pairs[1]!;
  assert.ok((await fx.user.update('accounts', p.crm, { address1_city: 'Narvik' })).ok);
  // Longer than the CRM's emailaddress1 (100 characters): the CRM refuses the write-back.
  await fx.db.query('UPDATE erp.customers SET email = $2 WHERE id = $1', [p.erp, LONG_EMAIL]);
  const [first] = await runPair(fx, p, 'FromIntegrationTable');
  assert.equal(first!.counters.failed, 1, first!.message);
  assert.equal((await customer(p.erp)).city, 'Narvik', 'the write to the ERP is done');
  const c = await coupling(p);
  assert.equal(c.to_erp, 'Failure');
  assert.match(c.error_to_erp ?? '', /^Modifying account failed/);
  for (const attempt of [1, 2]) {
    await runPair(fx, p);
    assert.equal(
      (await customer(p.erp)).email,
      LONG_EMAIL,
      `run ${attempt}: the ERP user's e-mail is not overwritten by the CRM's old one`,
    );
    assert.equal((await account(p.crm)).email, 'info@northwind.example');
  }
  const after = await coupling(p);
  assert.notEqual(
    [after.to_crm, after.to_erp].filter((x) => x === 'Failure').length,
    0,
    'still failing',
  );
  assert.deepEqual(await openConflicts(fx.db, c.id), []);
});

test('a change made on the CRM after a refused write-back is compared with the agreed values: no needless conflict', async () => {
  const p = pairs[2]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Bodø' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: LONG_WEBSITE })).ok);
  await runPair(fx, p, 'ToIntegrationTable');
  // The CRM user corrects both the city (which the pass had just sent) and the website.
  assert.ok(
    (
      await fx.user.update('accounts', p.crm, {
        address1_city: 'Bodø sentrum',
        websiteurl: 'https://bodo.example',
      })
    ).ok,
  );
  await runPair(fx, p);
  const c = await coupling(p);
  assert.deepEqual(
    await openConflicts(fx.db, c.id),
    [],
    'only the CRM changed both since they agreed',
  );
  assert.deepEqual(await customer(p.erp), {
    city: 'Bodø sentrum',
    website: 'https://bodo.example',
    email: 'info@northwind.example',
  });
  assert.deepEqual([c.to_crm, c.to_erp], ['Success', 'Success']);
});

/** An `ask` job that sent the ERP's city to the CRM and wrote the CRM's website back, undone. */
async function undoneAskJob(p: { erp: string; crm: string }, city: string, website: string) {
  await fx.db.query('UPDATE erp.customers SET city = $2 WHERE id = $1', [p.erp, city]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: website })).ok);
  const [toCrm] = await runPair(fx, p);
  assert.equal(toCrm!.message, '1 modified; 1 written back to the ERP');
  const u = await undoJobLocked(fx.db, fx.ctx, toCrm!.jobId);
  assert.ok(u.ok, u.ok ? '' : u.error.message);
  assert.equal(u.value.counters.modified, 2);
  // Both sides as before the job: each holds the change its user made.
  assert.deepEqual(await account(p.crm), {
    city: 'Oslo',
    website,
    email: 'info@northwind.example',
  });
  assert.deepEqual(await customer(p.erp), {
    city,
    website: 'https://northwind.example',
    email: 'info@northwind.example',
  });
  const c = await coupling(p);
  const b = await baseline(c.id);
  assert.equal(b.crm_values.address1_city, 'Oslo', 'the agreed city is the restored one');
  assert.equal(b.crm_values.websiteurl, 'https://northwind.example');
  assert.equal(b.unsettled, true);
  // The undo's writes are the integration's own: the next scheduled run carries nothing over.
  const before = [await account(p.crm), await customer(p.erp)];
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual([await account(p.crm), await customer(p.erp)], before);
  assert.equal((await baseline(c.id)).unsettled, true);
  return c.id;
}

test('after an undo, an edit on the ERP side only synchronizes without a conflict, and the CRM user’s change is not lost', async () => {
  const p = pairs[3]!;
  const couplingId = await undoneAskJob(p, 'Lillehammer', 'https://lillehammer.example');
  await fx.db.query("UPDATE erp.customers SET city = 'Gjøvik' WHERE id = $1", [p.erp]);
  const [toCrm, toErp] = await runPair(fx, p);
  assert.deepEqual(await openConflicts(fx.db, couplingId), []);
  assert.equal(toCrm!.message, '1 modified; 1 written back to the ERP');
  assert.equal(toErp!.counters.modified, 0);
  assert.deepEqual(await account(p.crm), {
    city: 'Gjøvik',
    website: 'https://lillehammer.example',
    email: 'info@northwind.example',
  });
  assert.deepEqual(await customer(p.erp), {
    city: 'Gjøvik',
    website: 'https://lillehammer.example',
    email: 'info@northwind.example',
  });
  assert.equal((await baseline(couplingId)).unsettled, false);
});

test('after an undo, the same field edited on both sides opens one conflict', async () => {
  const p = pairs[4]!;
  const couplingId = await undoneAskJob(p, 'Tromsø', 'https://tromso.example');
  await fx.db.query("UPDATE erp.customers SET city = 'Harstad' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { address1_city: 'Alta' })).ok);
  await runPair(fx, p);
  assert.deepEqual(await openConflicts(fx.db, couplingId), [
    { erp_field: 'city', erp_value: 'Harstad', crm_value: 'Alta' },
  ]);
  // The website only the CRM changed goes to the ERP.
  assert.equal((await customer(p.erp)).website, 'https://tromso.example');
  assert.equal((await account(p.crm)).website, 'https://tromso.example');
});

test('undoing a conflict resolution brings the conflict back on the next run: neither side wins silently', async () => {
  const p = pairs[5]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Kirkenes' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { address1_city: 'Vardø' })).ok);
  await runPair(fx, p);
  const c = await coupling(p);
  const entry = await fx.db.query<{ id: string }>(
    "SELECT id FROM integration.conflicts WHERE coupling_id = $1 AND state = 'open'",
    [c.id],
  );
  assert.equal(entry.rows.length, 1);
  const resolved = await resolveConflict(
    fx.ctx,
    entry.rows[0]!.id,
    { take: 'crm' },
    'admin',
    new Date(),
  );
  assert.ok(resolved.ok, resolved.ok ? '' : resolved.error.message);
  assert.equal((await customer(p.erp)).city, 'Vardø');
  const u = await undoJobLocked(fx.db, fx.ctx, resolved.value.jobId);
  assert.ok(u.ok, u.ok ? '' : u.error.message);
  assert.equal((await customer(p.erp)).city, 'Kirkenes');
  // Both sides changed the city since they last agreed: its agreed value is unknown again.
  const b = await baseline(c.id);
  assert.equal('address1_city' in b.crm_values, false);
  assert.equal(b.unsettled, true);
  // An ERP user edits another field; the run sends it and holds the city again.
  await fx.db.query("UPDATE erp.customers SET email = 'post@kirkenes.example' WHERE id = $1", [
    p.erp,
  ]);
  await runPair(fx, p);
  assert.deepEqual(await openConflicts(fx.db, c.id), [
    { erp_field: 'city', erp_value: 'Kirkenes', crm_value: 'Vardø' },
  ]);
  assert.deepEqual(await account(p.crm), {
    city: 'Vardø',
    website: 'https://northwind.example',
    email: 'post@kirkenes.example',
  });
  assert.equal((await customer(p.erp)).city, 'Kirkenes');
});
