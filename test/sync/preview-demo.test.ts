import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedDemoCompany } from '../../src/erp/demo/seed-demo.ts';
import { coupleDemoData } from '../../src/integration/demo-coupling.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { listMappings } from '../../src/sync/mappings/mapping-repo.ts';
import { previewMapping } from '../../src/sync/preview/preview.ts';
import { emptyCounts, type Preview } from '../../src/sync/preview/preview-model.ts';
import { snapshot } from './db-snapshot.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;

before(async () => {
  fx = await startSyncFixture();
  const seeded = await seedDemoCompany(fx.db);
  assert.ok(seeded.ok, seeded.ok ? '' : seeded.error.message);
  await coupleDemoData(fx.ctx);
});
after(async () => {
  await fx?.close();
});

/** A write the destination refused: what no preview can know (docs/sync-engine.md). */
const REFUSED = /^(Creating|Modifying) \S+ failed because of the following error/;

/**
 * What a run's jobs recorded: counters per pass and the failed records with their messages; a
 * write the destination refused counts as the insert or modify the run attempted.
 */
async function outcomeOfRun(name: string, full: boolean) {
  const reports = await runMapping(fx.ctx, fx.mapping(name), {
    ...(full ? { ignoreOnlyCoupled: true } : {}),
    trigger: 'test',
  });
  for (const r of reports) assert.equal(r.status, 'succeeded', `${name}: ${r.message}`);
  const counters = reports.map((r) => ({ direction: r.direction, ...r.counters }));
  const errors = await fx.db.query<{
    job_id: string;
    erp_id: string | null;
    crm_id: string | null;
    message: string;
  }>(
    'SELECT job_id, erp_id, crm_id, message FROM integration.sync_errors WHERE job_id = ANY($1::uuid[])',
    [reports.map((r) => r.jobId)],
  );
  const failed: string[] = [];
  for (const e of errors.rows) {
    const refused = REFUSED.exec(e.message);
    if (!refused) {
      failed.push(`${e.erp_id} ${e.crm_id} ${e.message}`);
      continue;
    }
    refusedIn.add(name);
    const c = counters[reports.findIndex((r) => r.jobId === e.job_id)]!;
    c.failed--;
    if (refused[1] === 'Creating') c.inserted++;
    else c.modified++;
  }
  return { counters, failed: failed.sort() };
}
const refusedIn = new Set<string>();

const outcomeOfPreview = (p: Preview) => ({
  counters: p.summary.passes.map((x) => ({ direction: x.direction, ...x.counters })),
  failed: p.details
    .filter((d) => d.action === 'conflict' || d.action === 'fail')
    .map((d) => `${d.erpId} ${d.crmId} ${d.message}`)
    .sort(),
});

test('on the demo data, a preview of every mapping (full synchronization, then modified records) matches the run that follows', async () => {
  const mappings = await listMappings(fx.db);
  const touched = emptyCounts();
  for (const full of [true, false]) {
    // A payment term the CRM has no option for: the option mapping adds one.
    await fx.db.query(
      `INSERT INTO erp.payment_terms (code, display_name, due_date_calculation) VALUES ($1, 'Preview', '7D')`,
      [full ? 'PREVIEW 7' : 'PREVIEW 8'],
    );
    if (!full) {
      // Edits on both sides for the modified-records round.
      await fx.db.query(
        "UPDATE erp.customers SET city = city || ' N' WHERE number IN (SELECT number FROM erp.customers ORDER BY number LIMIT 5)",
      );
      await fx.db.query(
        'UPDATE erp.items SET unit_price = unit_price + 1 WHERE number IN (SELECT number FROM erp.items ORDER BY number LIMIT 3)',
      );
    }
    for (const m of mappings) {
      if (full)
        await fx.db.query(
          'UPDATE integration.table_mappings SET erp_watermark = NULL, crm_watermark = NULL WHERE name = $1',
          [m.name],
        );
      const before = await snapshot(fx.db);
      const preview = await previewMapping(fx.ctx, fx.mapping(m.name), { full });
      assert.ok(preview.ok, `${m.name}: ${preview.ok ? '' : preview.error.message}`);
      assert.deepEqual(await snapshot(fx.db), before, `${m.name}: the preview wrote nothing`);
      for (const d of preview.value.details) if (d.action !== 'unchanged') touched[d.action]++;
      const expected = outcomeOfPreview(preview.value);
      const actual = await outcomeOfRun(m.name, full);
      assert.deepEqual(actual, expected, `${m.name} (${full ? 'full' : 'modified'})`);
    }
  }
  // Posted invoices and sales orders reach the CRM through their flows, which name them: a plain
  // run of their mappings is refused by the CRM ("name is required").
  assert.ok(touched.insert > 50 && touched.modify >= 5, JSON.stringify(touched));
  const added = await fx.ctx.crm.optionSet('account', 'paymenttermscode');
  assert.ok(added.ok);
  assert.deepEqual(
    added.value.filter((o) => o.label.startsWith('PREVIEW')).map((o) => o.label),
    ['PREVIEW 7', 'PREVIEW 8'],
    'the options the previews announced were added by the runs',
  );
  assert.deepEqual([...refusedIn].sort(), ['POSTEDSALESINV-INV', 'SALESORDER-ORDER']);
});
