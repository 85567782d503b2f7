import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import type { ErpPort } from '../../src/sync/ports.ts';
import { allCustomersOneWay } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

// The CRM → ERP pass writes a chunk's creates and modifications to the ERP together
// (ErpPort.writeMany, few transactions): a record the ERP refuses still fails alone, with its own
// message, and leaves nothing half written, while the rest of the chunk lands.
const long = 'X'.repeat(150); // longer than the ERP's customer name

const fx = useFixture(startSyncFixture, (fx) => allCustomersOneWay(fx, 'FromIntegrationTable'));

/** The real ERP port, counting its bulk and single writes. */
function countingErp() {
  const erp = fx.ctx.erp;
  const calls = { writeMany: 0, single: 0 };
  const port: ErpPort = {
    ...erp,
    writeMany: (table, writes) => {
      calls.writeMany++;
      return erp.writeMany(table, writes);
    },
    insert: (...a) => {
      calls.single++;
      return erp.insert(...a);
    },
    update: (...a) => {
      calls.single++;
      return erp.update(...a);
    },
  };
  return { port, calls };
}

const couplingOf = async (crmId: string) =>
  (
    await fx.db.query<{ erp_id: string; state: string; last_result_to_erp: string | null }>(
      'SELECT erp_id, state, last_result_to_erp FROM integration.couplings WHERE crm_id = $1',
      [crmId],
    )
  ).rows[0];

test('bulk creates and modifications: the refused record fails alone, the others land', async () => {
  const names = ['Bulk A', 'Bulk B', long, 'Bulk D', 'Bulk E'];
  const ids: string[] = [];
  for (const name of names) {
    const r = await fx.user.create('accounts', {
      name,
      customertypecode: 3,
      address1_city: 'Oslo',
    });
    assert.ok(r.ok);
    ids.push(r.value.id);
  }
  const m = fx.mapping('CUSTOMER');
  const { port, calls } = countingErp();
  const [created] = await runMapping({ ...fx.ctx, erp: port }, m);
  assert.equal(created!.status, 'succeeded', created!.message);
  assert.equal(created!.counters.inserted, 4);
  assert.equal(created!.counters.failed, 1);
  assert.deepEqual(calls, { writeMany: 1, single: 0 }, 'the chunk went to the ERP in one call');
  const errors = await fx.db.query<{ crm_id: string; message: string }>(
    'SELECT crm_id, message FROM integration.sync_errors WHERE job_id = $1',
    [created!.jobId],
  );
  assert.equal(errors.rows.length, 1);
  assert.equal(errors.rows[0]!.crm_id, ids[2]);
  assert.match(
    errors.rows[0]!.message,
    /^Creating customers failed because of the following error: .*displayName/,
  );
  // Nothing of the refused create is left: no customer, no company contact, no coupling.
  const refused = await fx.db.query(
    'SELECT 1 FROM erp.customers WHERE display_name = $1 UNION ALL SELECT 1 FROM erp.contacts WHERE display_name = $1',
    [long],
  );
  assert.equal(refused.rows.length, 0);
  assert.equal(await couplingOf(ids[2]!), undefined);
  // The others are coupled to their customer, each with its company contact.
  for (const i of [0, 1, 3, 4]) {
    const c = await couplingOf(ids[i]!);
    assert.equal(c?.state, 'coupled');
    const customer = await fx.db.query<{ display_name: string; contact: string | null }>(
      `SELECT c.display_name, k.display_name AS contact FROM erp.customers c
         LEFT JOIN erp.contacts k ON k.customer_number = c.number AND k.type = 'Company'
        WHERE c.id = $1`,
      [c!.erp_id],
    );
    assert.deepEqual(customer.rows[0], { display_name: names[i], contact: names[i] });
  }

  // Modifications: the one the ERP refuses keeps its row as it was, the others change.
  for (const [i, patch] of [
    [0, { address1_city: 'Bergen' }],
    [1, { name: long, address1_city: 'Narvik' }],
    [3, { address1_city: 'Tromsø' }],
  ] as const) {
    assert.ok((await fx.user.update('accounts', ids[i]!, patch)).ok);
  }
  const [modified] = await runMapping({ ...fx.ctx, erp: port }, m);
  assert.equal(modified!.counters.modified, 2, modified!.message);
  assert.equal(modified!.counters.failed, 1);
  assert.deepEqual(calls, { writeMany: 2, single: 0 });
  const cities = await fx.db.query<{ id: string; city: string; change_seq: number }>(
    `SELECT c.id, c.city, c.change_seq FROM erp.customers c
       JOIN integration.couplings k ON k.erp_id = c.id WHERE k.crm_id = ANY($1::uuid[])`,
    [[ids[0], ids[1], ids[3]]],
  );
  const byCrm = new Map<string, string>();
  for (const i of [0, 1, 3]) {
    const c = await couplingOf(ids[i]!);
    byCrm.set(ids[i]!, cities.rows.find((r) => r.id === c!.erp_id)!.city);
  }
  assert.deepEqual(
    [byCrm.get(ids[0]!), byCrm.get(ids[1]!), byCrm.get(ids[3]!)],
    ['Bergen', 'Oslo', 'Tromsø'],
  );
  assert.equal((await couplingOf(ids[1]!))!.last_result_to_erp, 'Failure');
  assert.equal((await couplingOf(ids[0]!))!.last_result_to_erp, 'Success');
  const history = await fx.db.query<{ action: string; n: number }>(
    'SELECT action, count(*)::int AS n FROM integration.write_history_records WHERE job_id = ANY($1::uuid[]) GROUP BY action ORDER BY action',
    [[created!.jobId, modified!.jobId]],
  );
  assert.deepEqual(history.rows, [
    { action: 'insert', n: 4 },
    { action: 'modify', n: 2 },
  ]);

  // Settled: a next run finds nothing to write for the records that landed.
  const [quiet] = await runMapping(fx.ctx, m);
  assert.equal(quiet!.counters.inserted + quiet!.counters.modified, 0, quiet!.message);
});
