import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createEntity } from '../../src/erp/public-api.ts';
import { withErpRecordLabels } from '../../src/integration/error-labels.ts';
import { listCouplings } from '../../src/sync/queries.ts';
import { runKobling } from '../helpers/cli.ts';
import { startFullSyncSetting } from '../helpers/full-sync.ts';
import { useFixture } from '../helpers/use-fixture.ts';

/**
 * `kobling skipped` lists the records skipped after failing twice with the same message, paged
 * like the other lists; `skipped retry` and `skipped restore` take coupling ids or `--mapping`,
 * refuse a wrong ask before touching anything (exit 2) and say when there was nothing to do. A
 * retry that synchronizes a real record is in test/sync/full-sync.test.ts.
 */
const SECRET = 's'.repeat(40);
const t = useFixture(() => startFullSyncSetting({ secretKey: SECRET, workers: false }));
const kobling = (...args: string[]) =>
  runKobling(args, { DATABASE_URL: t.fx.db.url, KOBLING_SECRET_KEY: SECRET });

/** A skipped CUSTOMER coupling that failed with `message`. */
async function skippedCoupling(message: string): Promise<string> {
  const id = randomUUID();
  await t.fx.db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id,
       skipped, last_result_to_crm, last_error_to_crm)
     VALUES ($1, 'CUSTOMER', 'customers', $2, 'account', $3, true, 'Failure', $4)`,
    [id, randomUUID(), randomUUID(), message],
  );
  return id;
}

test('kobling skipped: the list with its total and next page, as JSON, and the commands that retry or restore them', async () => {
  const first = await skippedCoupling('refused: name too long');
  const second = await skippedCoupling('refused: unknown salesperson');
  const all = await kobling('skipped');
  assert.equal(all.code, 0, all.output);
  assert.match(all.output, new RegExp(`^${first} CUSTOMER .*: refused: name too long$`, 'm'));
  assert.match(
    all.output,
    new RegExp(`^${second} CUSTOMER .*: refused: unknown salesperson$`, 'm'),
  );
  assert.match(all.output, /^All 2 skipped records$/m);
  assert.match(all.output, /`kobling skipped retry ID…` synchronizes them now/);

  const page = await kobling('skipped', '--mapping', 'CUSTOMER', '--top', '1');
  assert.equal(page.code, 0, page.output);
  assert.match(
    page.output,
    /^Row 1 of 2 skipped records of CUSTOMER; next: `kobling skipped --mapping "CUSTOMER" --skip 1 --top 1`/m,
  );
  assert.match(page.output, /`kobling skipped retry --mapping CUSTOMER` synchronizes them now/);
  const json = await kobling('skipped', '--json');
  assert.equal(json.code, 0, json.output);
  const rows = JSON.parse(json.output) as { id: string; skipped: boolean }[];
  assert.deepEqual(
    rows.map((r) => [r.id, r.skipped]),
    [
      [first, true],
      [second, true],
    ],
  );

  // A wrong ask is refused before anything is touched.
  for (const args of [['retry'], ['retry', '--mapping', 'CUSTOMER', first], ['restore', 'nope']]) {
    const refused = await kobling('skipped', ...args);
    assert.equal(refused.code, 2, refused.output);
    assert.match(refused.output, /error \[validation_failed\]/);
  }
  const unknown = await kobling('skipped', 'retry', '--mapping', 'NOSUCH');
  assert.equal(unknown.code, 1, unknown.output);
  assert.match(unknown.output, /error \[not_found\]: No table mapping named 'NOSUCH'/);

  // Restore by id, then the rest of the mapping; then there is nothing left, and it says so.
  const one = await kobling('skipped', 'restore', first);
  assert.equal(one.code, 0, one.output);
  assert.match(one.output, /^1 skipped record restored: the mapping's next run/m);
  const rest = await kobling('skipped', 'restore', '--mapping', 'CUSTOMER');
  assert.match(rest.output, /^1 skipped record restored/m);
  const again = await kobling('skipped', 'restore', '--mapping', 'CUSTOMER');
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, /^No skipped records of CUSTOMER: nothing restored\.$/m);
  const retry = await kobling('skipped', 'retry', '--mapping', 'CUSTOMER');
  assert.equal(retry.code, 0, retry.output);
  assert.match(retry.output, /^No skipped records of CUSTOMER: nothing retried\.$/m);
  const empty = await kobling('skipped');
  assert.match(empty.output, /^No skipped records\.$/m);
});

test('kobling skipped, GET /skipped and --json name the ERP record by number and name', async () => {
  const made = await createEntity(t.fx.db, 'customers', {
    number: 'C77000',
    displayName: 'Skipped Label AS',
  });
  assert.ok(made.ok, JSON.stringify(made));
  const erpId = (made.value as { id: string }).id;
  const id = randomUUID();
  await t.fx.db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id,
       skipped, last_result_to_crm, last_error_to_crm)
     VALUES ($1, 'CUSTOMER', 'customers', $2, 'account', $3, true, 'Failure', 'refused')`,
    [id, erpId, randomUUID()],
  );
  const text = await kobling('skipped', '--mapping', 'CUSTOMER');
  assert.equal(text.code, 0, text.output);
  assert.match(
    text.output,
    new RegExp(`^${id} CUSTOMER +Customer C77000 Skipped Label AS ⇄ account/`, 'm'),
  );
  const json = JSON.parse((await kobling('skipped', '--json')).output) as {
    id: string;
    erpRecordLabel?: string;
  }[];
  assert.equal(json.find((r) => r.id === id)?.erpRecordLabel, 'C77000 Skipped Label AS');
  const rows = await listCouplings(t.fx.db, { skipped: true, top: 10, skip: 0 });
  const labeled = await withErpRecordLabels(t.fx.db, rows);
  assert.equal(labeled.find((r) => r.id === id)?.erpRecordLabel, 'C77000 Skipped Label AS');
  // Its CRM row is gone: the retry fails it again, named as the list names it, and says what
  // happens to it next.
  const retry = await kobling('skipped', 'retry', id);
  assert.equal(retry.code, 1, retry.output);
  assert.match(retry.output, /^1 skipped record restored, 0 synchronized, 1 still failing\.$/m);
  assert.match(retry.output, /^ {2}\w+ Customer C77000 Skipped Label AS: /m);
  assert.doesNotMatch(retry.output, new RegExp(erpId));
  assert.match(
    retry.output,
    /1 record still fails; one failing with the same message as before is skipped again at once, one failing with a new message is retried by the mapping's runs/,
  );
  await t.fx.db.query('DELETE FROM integration.couplings WHERE id = $1', [id]);
});
