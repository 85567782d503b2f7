import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newId } from '../../src/shared/ids.ts';
import { journalCreates } from '../../src/sync/couplings/create-journal.ts';
import type { FieldMapping } from '../../src/sync/model.ts';
import { matchUncoupledRecords } from '../../src/sync/service/match-uncoupled.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// Matching before a full synchronization, priority group by priority group: a record ambiguous on
// its first criterion can still match uniquely on the next; an empty ERP value is left out of
// the comparison; what stays ambiguous is held back with its candidates.
let fx: SyncFixture;
before(async () => {
  fx = await startSyncFixture();
});
after(async () => {
  await fx?.close();
});

test('priority groups, empty values left out, ambiguity held back with its candidates', async () => {
  const base = fx.mapping('CUSTOMER');
  const name = base.fields.find((f) => f.erpField === 'displayName')!;
  const field = (
    erpField: string,
    crmField: string,
    matchPriority: number,
    position: number,
  ): FieldMapping => ({
    ...name,
    position,
    erpField,
    crmField,
    matchPriority,
    useForMatching: true,
  });
  await fx.setMapping({
    ...base,
    name: 'MATCHTEST',
    userDefined: true,
    dependencyFilter: '',
    fields: [
      field('email', 'emailaddress1', 0, 1),
      field('displayName', 'name', 1, 2),
      field('city', 'address1_city', 1, 3),
    ],
  });
  const erp = async (number: string, displayName: string, email: string, city: string) =>
    (
      await fx.db.query<{ id: string }>(
        'INSERT INTO erp.customers (number, display_name, email, city) VALUES ($1, $2, $3, $4) RETURNING id',
        [number, displayName, email, city],
      )
    ).rows[0]!.id;
  const a = await erp('MU1', 'Ay', 'a@example.com', 'Oslo');
  const b = await erp('MU2', 'Bee 2', 'b@example.com', 'Oslo');
  const c = await erp('MU3', 'Cee', '', '');
  const d = await erp('MU4', 'Dee', '', 'Oslo');
  const crm: Record<string, string> = {};
  const rows: [string, Record<string, unknown>][] = [
    ['A', { name: 'Someone else', emailaddress1: 'A@example.com' }],
    ['B1', { name: 'Bee 1', emailaddress1: 'b@example.com', address1_city: 'Oslo' }],
    ['B2', { name: 'Bee 2', emailaddress1: 'b@example.com', address1_city: 'Oslo' }],
    ['C', { name: 'Cee', address1_city: 'Bergen' }],
    ['D1', { name: 'Dee', address1_city: 'Oslo' }],
    ['D2', { name: 'Dee', address1_city: 'Oslo' }],
  ];
  for (const [key] of rows) crm[key] = newId();
  const made = await fx.user.executeBatch(
    rows.map(([key, record]) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      id: crm[key]!,
      record: { ...record, customertypecode: 3 },
    })),
  );
  assert.ok(made.every((r) => r.ok));

  const r = await matchUncoupledRecords(fx.ctx, fx.mapping('MATCHTEST'), 'test');
  const pairs = new Map(
    (
      await fx.db.query<{ erp_id: string; crm_id: string }>(
        "SELECT erp_id, crm_id FROM integration.couplings WHERE mapping_name = 'MATCHTEST'",
      )
    ).rows.map((x) => [x.erp_id, x.crm_id]),
  );
  assert.equal(pairs.get(a), crm.A, 'e-mail, case-insensitive');
  assert.equal(pairs.get(b), crm.B2, 'two by e-mail, one by name and city');
  assert.equal(pairs.get(c), crm.C, 'by name alone: its empty city is left out');
  assert.equal(pairs.has(d), false, 'two accounts with its name and city');
  assert.equal(r.matched, 3);
  assert.equal(r.ambiguous, 1);
  assert.deepEqual([...r.heldErpIds], [d]);
  assert.deepEqual(new Set(r.heldCrmIds), new Set([crm.D1, crm.D2]));

  const again = await matchUncoupledRecords(fx.ctx, fx.mapping('MATCHTEST'), 'test');
  assert.equal(again.matched, 0, 'run again, nothing is coupled twice');
  assert.equal(again.ambiguous, 1);
});

test("a stopped run's creates that landed are coupled first and counted in the job with the matched pairs; the matched figure is the pairs alone", async () => {
  const base = fx.mapping('CUSTOMER');
  const name = base.fields.find((f) => f.erpField === 'displayName')!;
  await fx.setMapping({
    ...base,
    name: 'MATCHJOURNAL',
    userDefined: true,
    dependencyFilter: '',
    fields: [{ ...name, position: 1, matchPriority: 1, useForMatching: true }],
  });
  const erp = async (number: string, displayName: string) =>
    (
      await fx.db.query<{ id: string }>(
        'INSERT INTO erp.customers (number, display_name) VALUES ($1, $2) RETURNING id',
        [number, displayName],
      )
    ).rows[0]!.id;
  const landedErp = await erp('MJ1', 'Journal One');
  await erp('MJ2', 'Journal Two');
  const [landed, other] = [newId(), newId()];
  const made = await fx.user.executeBatch(
    [
      [landed, 'Journal One'],
      [other, 'Journal Two'],
    ].map(([id, n]) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      id: id!,
      record: { name: n, customertypecode: 3 },
    })),
  );
  assert.ok(made.every((r) => r.ok));
  // A run stopped after its `$batch` created `landed`, before it wrote the coupling.
  await journalCreates(fx.db, {
    id: newId(),
    mappingName: 'MATCHJOURNAL',
    jobId: newId(),
    creates: [{ couplingId: newId(), erpId: landedErp, crmId: landed }],
  });

  const r = await matchUncoupledRecords(fx.ctx, fx.mapping('MATCHJOURNAL'), 'test');
  assert.equal(r.matched, 1, 'Journal Two matched');
  const job = await fx.db.query<{ coupled: number; message: string }>(
    'SELECT coupled, message FROM integration.sync_jobs WHERE id = $1',
    [r.jobId],
  );
  assert.equal(job.rows[0]!.coupled, 2, 'the landed create and the matched pair');
  assert.match(job.rows[0]!.message, /^1 coupled by matching/);
  const pairs = await fx.db.query<{ crm_id: string }>(
    "SELECT crm_id FROM integration.couplings WHERE mapping_name = 'MATCHJOURNAL' ORDER BY crm_id",
  );
  assert.deepEqual(pairs.rows.map((x) => x.crm_id).sort(), [landed, other].sort());
});
