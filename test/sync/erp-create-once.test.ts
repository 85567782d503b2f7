import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineContext } from '../../src/sync/engine/context.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import type { ErpPort } from '../../src/sync/ports.ts';
import { createInErp } from '../../src/sync/service/create-in.ts';
import { synchronizeNow } from '../../src/sync/service/synchronize-now.ts';
import { allCustomersOneWay } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

// CRM → ERP creates happen exactly once: a run that dies between its ERP write and the coupling's
// update (or between recording the chosen ERP id and the write) is settled by the next run, which
// couples what landed and creates what did not, with the same id.

const fx = useFixture(startSyncFixture, (fx) => allCustomersOneWay(fx, 'FromIntegrationTable'));

/**
 * The real ERP port, with the process "dying" (an exception) around the `n`-th create: the creates
 * before it land (each write is atomic on its own), the `n`-th too when dying after it.
 */
function dyingErp(n: number, when: 'before' | 'after'): ErpPort {
  const erp = fx.ctx.erp;
  let creates = 0;
  return {
    ...erp,
    async writeMany(table, writes) {
      const landing = n - creates - (when === 'before' ? 1 : 0);
      creates += writes.length;
      if (creates < n) return erp.writeMany(table, writes);
      await erp.writeMany(table, writes.slice(0, Math.max(0, landing)));
      throw new Error(`killed ${when} the ERP write`);
    },
  };
}

async function accounts(prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const r = await fx.user.create('accounts', { name: `${prefix} ${i}`, customertypecode: 3 });
    assert.ok(r.ok);
    ids.push(r.value.id);
  }
  return ids;
}

async function assertExactlyOnce(prefix: string, crmIds: string[]): Promise<void> {
  const customers = await fx.db.query<{ n: number; names: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT display_name)::int AS names FROM erp.customers
     WHERE display_name LIKE $1`,
    [`${prefix} %`],
  );
  assert.deepEqual(customers.rows[0], { n: crmIds.length, names: crmIds.length }, 'no duplicate');
  const couplings = await fx.db.query<{ crm_id: string; state: string; skipped: boolean }>(
    `SELECT c.crm_id, c.state, c.skipped FROM integration.couplings c
     JOIN erp.customers e ON e.id = c.erp_id WHERE c.crm_id = ANY($1::uuid[])`,
    [crmIds],
  );
  assert.equal(couplings.rows.length, crmIds.length, 'every account coupled to its customer');
  for (const c of couplings.rows) assert.deepEqual([c.state, c.skipped], ['coupled', false]);
}

for (const when of ['after', 'before'] as const) {
  test(`a run dying ${when} an ERP write: the next run couples every account to exactly one customer`, async () => {
    const prefix = `Dies ${when}`;
    const crmIds = await accounts(prefix, 6);
    const m = fx.mapping('CUSTOMER');
    const dying: EngineContext = { ...fx.ctx, erp: dyingErp(3, when) };
    const [killed] = await runMapping(dying, m);
    assert.equal(killed!.status, 'failed');
    const pending = await fx.db.query<{ erp_id: string }>(
      `SELECT erp_id FROM integration.couplings
       WHERE state = 'pending' AND pending_side = 'erp' AND crm_id = ANY($1::uuid[])`,
      [crmIds],
    );
    // The chunk's pending couplings are recorded together before its first ERP write, and
    // marked coupled together after its last: every create of the dying chunk is left pending
    // with its chosen id, the ones that landed and the ones that did not.
    assert.equal(pending.rows.length, 6, 'every create of the chunk is left pending with its id');
    const chosenIds = pending.rows.map((r) => r.erp_id);
    const landed = await fx.db.query('SELECT 1 FROM erp.customers WHERE id = ANY($1::uuid[])', [
      chosenIds,
    ]);
    assert.equal(landed.rows.length, when === 'after' ? 3 : 2);
    const now = await synchronizeNow(fx.ctx, m, [pending.rows[0]!.erp_id], 'get');
    assert.ok(now.ok);
    assert.equal(now.value.records[0]!.outcome, 'notCoupled');
    assert.match(now.value.records[0]!.message!, /still being created in the ERP; the next run/);

    const [next] = await runMapping(fx.ctx, m);
    assert.equal(next!.status, 'succeeded', next!.message);
    assert.equal(next!.counters.failed, 0);
    assert.equal(next!.counters.inserted, when === 'after' ? 3 : 4);
    assert.equal(next!.counters.coupled, when === 'after' ? 3 : 2);
    await assertExactlyOnce(prefix, crmIds);
    const chosen = await fx.db.query(
      'SELECT 1 FROM integration.couplings WHERE erp_id = ANY($1::uuid[]) AND crm_id = ANY($2::uuid[])',
      [chosenIds, crmIds],
    );
    assert.equal(chosen.rows.length, 6, 'the pending creates kept their chosen ERP ids');

    const [quiet] = await runMapping(fx.ctx, m);
    assert.equal(quiet!.counters.inserted + quiet!.counters.failed, 0, quiet!.message);
    await assertExactlyOnce(prefix, crmIds);
  });
}

test('a refused ERP create leaves no pending coupling behind', async () => {
  const long = 'X'.repeat(150);
  const r = await fx.user.create('accounts', { name: long, customertypecode: 3 });
  assert.ok(r.ok);
  const [run] = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(run!.counters.failed, 1, run!.message);
  const left = await fx.db.query('SELECT 1 FROM integration.couplings WHERE crm_id = $1', [
    r.value.id,
  ]);
  assert.equal(left.rows.length, 0);
});

test('"Create customer" on an account whose create was interrupted settles it with the chosen id', async () => {
  const [crmId] = await accounts('Interrupted', 1);
  const m = fx.mapping('CUSTOMER');
  const [killed] = await runMapping({ ...fx.ctx, erp: dyingErp(1, 'after') }, m, {
    crmIds: [crmId!],
  });
  assert.equal(killed!.status, 'failed');
  const chosen = await fx.db.query<{ erp_id: string }>(
    "SELECT erp_id FROM integration.couplings WHERE crm_id = $1 AND state = 'pending'",
    [crmId],
  );
  assert.equal(chosen.rows.length, 1);
  const report = await createInErp(fx.ctx, m, [crmId!]);
  assert.deepEqual(report.failed, []);
  assert.deepEqual(report.created, [{ erpId: chosen.rows[0]!.erp_id, crmId }]);
  await assertExactlyOnce('Interrupted', [crmId!]);
});
