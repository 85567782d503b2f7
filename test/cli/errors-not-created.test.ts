import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errorLine } from '../../src/cli/commands/log-lines.ts';
import { withErpRecordLabels } from '../../src/integration/error-labels.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { listCouplings, listErrors } from '../../src/sync/queries.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { signIn, startTestServer, testConfig } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

/**
 * A create the CRM refused leaves a pending coupling holding the id the account will get: the
 * errors list, and the skipped list once it failed again, say the account is not created instead
 * of naming that id, which leads nowhere.
 */

const SECRET = 'n'.repeat(40);
let fx: SyncFixture;
let failedErp: string;

before(async () => {
  fx = await startSyncFixture();
  await fx.connect(testConfig({ KOBLING_SECRET_KEY: SECRET }));
  await fx.db.query(
    `INSERT INTO erp.currencies (code, display_name, symbol) VALUES ('SEK', 'Swedish Krona', 'kr')`,
  );
  const sek = (
    await fx.db.query<{ id: string }>("SELECT id FROM erp.currencies WHERE code = 'SEK'")
  ).rows[0]!.id;
  await createInCrm(fx.ctx, fx.mapping('CURRENCY'), [sek]);
  const sekCrm = (
    await fx.db.query<{ crm_id: string }>(
      'SELECT crm_id FROM integration.couplings WHERE erp_id = $1',
      [sek],
    )
  ).rows[0]!.crm_id;
  assert.ok((await fx.user.delete('transactioncurrencies', sekCrm)).ok);
  failedErp = (
    await fx.db.query<{ id: string }>(
      `INSERT INTO erp.customers (number, display_name, currency_code) VALUES ('N1', 'Never Created AB', 'SEK') RETURNING id`,
    )
  ).rows[0]!.id;
  const report = await createInCrm(fx.ctx, fx.mapping('CUSTOMER'), [failedErp]);
  assert.equal(report.failed.length, 1, JSON.stringify(report));
});
after(async () => {
  await fx?.close();
});

test('kobling errors shows an account whose create failed as not created, not by the id it will get', async () => {
  const [error] = await listErrors(fx.db, { top: 10, skip: 0, mapping: 'CUSTOMER' });
  assert.equal(error?.erpId, failedErp);
  assert.ok(error?.crmId, 'the error keeps the id the create will be retried with');
  assert.equal(error?.notCreated, 'crm');
  const retried = await fx.client.retrieve('accounts', error.crmId);
  assert.ok(!retried.ok, 'there is no such account');

  const [labeled] = await withErpRecordLabels(fx.db, [error]);
  assert.match(
    errorLine(labeled!),
    / CUSTOMER Customer N1 Never Created AB → account \(not created\): Creating account failed/,
  );

  const cli = spawnKobling(['errors', '--mapping', 'CUSTOMER'], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: SECRET,
  });
  assert.equal(await cli.exited(), 0, cli.output());
  assert.match(cli.output(), /Customer N1 Never Created AB → account \(not created\): /);
  assert.ok(!cli.output().includes(error.crmId), cli.output());
});

test('a failed create skipped after failing again is listed as not created: kobling skipped, GET /skipped, the skipped page', async () => {
  // The run retries the pending create with the same id; the same refusal again skips it.
  const [run] = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(run?.counters.failed, 1, JSON.stringify(run));
  const [found, ...more] = await listCouplings(fx.db, {
    top: 10,
    skip: 0,
    mapping: 'CUSTOMER',
    skipped: true,
  });
  assert.equal(more.length, 0);
  assert.ok(found, 'the record is skipped');
  const skipped = found;
  assert.deepEqual(
    [skipped?.erpId, skipped?.state, skipped?.notCreated],
    [failedErp, 'pending', 'crm'],
  );
  assert.ok(!(await fx.client.retrieve('accounts', skipped.crmId)).ok, 'there is no such account');

  const cli = spawnKobling(['skipped', '--mapping', 'CUSTOMER'], {
    DATABASE_URL: fx.db.url,
    KOBLING_SECRET_KEY: SECRET,
  });
  assert.equal(await cli.exited(), 0, cli.output());
  assert.match(
    cli.output(),
    new RegExp(
      `${skipped.id} CUSTOMER +Customer N1 Never Created AB → account \\(not created\\): `,
    ),
  );
  assert.ok(!cli.output().includes(skipped.crmId), cli.output());

  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: SECRET });
  try {
    const token = await server.tokenFor('admin', 'skipped-admin');
    const api = await fetch(`${server.baseUrl}/api/integration/v1/skipped?mapping=CUSTOMER`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const [row] = ((await api.json()) as { value: Record<string, unknown>[] }).value;
    assert.deepEqual(
      [row?.id, row?.notCreated, row?.erpRecordLabel],
      [skipped.id, 'crm', 'N1 Never Created AB'],
    );
    const page = await (await signIn(server, 'skipped-admin')).page('/integration/skipped');
    assert.equal(page.status, 200);
    assert.match(page.html, /account \(not created\)/);
    assert.ok(!page.html.includes(skipped.crmId), 'the page does not name the id');
  } finally {
    await server.close();
  }
});
