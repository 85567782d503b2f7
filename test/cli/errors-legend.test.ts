import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { beginJob, logRecordError } from '../../src/sync/engine/job-log.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { createMigratedDb } from '../helpers/database.ts';

/**
 * `kobling errors --all` (the history) explains the `(settled)` mark only when it prints a settled
 * row: a history of open failures alone ends with its footer, not with the legend.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
const LEGEND = 'Settled: the record was coupled or synchronized since.';
const FIXED = '00000000-0000-4000-8000-000000000001';
const FAILING = '00000000-0000-4000-8000-000000000002';

before(async () => {
  db = await createMigratedDb('errlegend');
  const job = await beginJob(db, 'CUSTOMER', 'ToIntegrationTable', 'test');
  for (const erpId of [FIXED, FAILING])
    await logRecordError(db, job, 'CUSTOMER', 'ToIntegrationTable', {
      erpTable: 'customers',
      erpId,
      crmEntity: 'account',
      crmId: null,
      message: `refused ${erpId}`,
    });
});
after(async () => {
  await db?.drop();
});

async function kobling(...args: string[]) {
  const p = spawnKobling(args, { DATABASE_URL: db.url, KOBLING_SECRET_KEY: 'e'.repeat(40) });
  const code = await p.exited();
  return { code, out: p.output() };
}

test('kobling errors --all: the settled legend only with a settled row', async () => {
  const open = await kobling('errors', '--all');
  assert.equal(open.code, 0, open.out);
  assert.ok(open.out.includes(`refused ${FAILING}`), open.out);
  assert.doesNotMatch(open.out, /\(settled\)/);
  assert.ok(!open.out.includes(LEGEND), open.out);

  // Coupling the record settles its failure: the history marks it and explains the mark.
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id)
     VALUES (gen_random_uuid(), 'CUSTOMER', 'customers', $1, 'account', gen_random_uuid())`,
    [FIXED],
  );
  const settled = await kobling('errors', '--all');
  assert.equal(settled.code, 0, settled.out);
  assert.ok(settled.out.includes(`refused ${FIXED} (settled)`), settled.out);
  assert.ok(settled.out.trimEnd().endsWith(LEGEND), settled.out);
  // A page showing only the open failure has no legend, though the history has a settled one.
  const page = await kobling('errors', '--all', '--top', '1');
  assert.doesNotMatch(page.out, /\(settled\)/);
  assert.ok(!page.out.includes(LEGEND), page.out);
});
