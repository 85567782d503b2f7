import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withMappingLock } from '../../src/integration/mapping-lock.ts';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { spawnKobling } from '../helpers/cli.ts';
import { callJson, signIn, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

/** Undo through the API, the CLI and the web UI (the engine's behaviour: undo.test.ts). */

let fx: SyncFixture;
/** A job that has been undone already. */
let job: string;
/** The accounts of customers U001…U080, in number order. */
let modifiedIds: string[];

before(async () => {
  fx = await startSyncFixture();
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city)
     SELECT 'U' || lpad(n::text, 3, '0'), 'Customer ' || n, 'Bergen' FROM generate_series(1, 80) AS n`,
  );
  const first = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
  });
  assert.equal(first[0]!.counters.inserted, 80, first[0]!.message);
  const r = await fx.db.query<{ crm_id: string }>(
    `SELECT c.crm_id FROM integration.couplings c JOIN erp.customers k ON k.id = c.erp_id
      WHERE c.mapping_name = 'CUSTOMER' ORDER BY k.number`,
  );
  modifiedIds = r.rows.map((x) => x.crm_id);
  await fx.db.query("UPDATE erp.customers SET city = 'Oslo' WHERE number = 'U010'");
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  job = run[0]!.jobId;
  const undone = await undoJobLocked(fx.db, fx.ctx, job);
  assert.ok(undone.ok);
});
after(async () => {
  await fx?.close();
});

/** address1_city of the accounts, by id (accounts that do not exist are absent). */
async function cities(ids: readonly string[]): Promise<Map<string, unknown>> {
  const r = await fx.ctx.crm.get('account', ids);
  assert.ok(r.ok);
  return new Map([...r.value].map(([id, a]) => [id, a.values.address1_city]));
}

test('API: preview and undo of a job; 404 for an unknown job, 409 for one still running or already undone', async () => {
  const server: TestServer = await startTestServer(fx.db, undefined, {
    KOBLING_SECRET_KEY: 'k'.repeat(40),
  });
  try {
    const admin = await server.tokenFor('admin');
    const processor = await server.tokenFor('orderProcessor');
    const call = (path: string, token: string, body?: unknown) =>
      callJson(
        `${server.baseUrl}/api/integration/v1${path}`,
        body === undefined ? 'POST' : 'PATCH',
        token,
        body,
      );
    const saved = await call('/connection', admin, fx.connection);
    assert.equal(saved.status, 200, saved.text);
    const enabled = await call('/connection/enable', admin);
    assert.equal(enabled.status, 200, enabled.text);

    assert.equal((await call('/jobs/not-a-guid/undo', admin)).status, 400);
    const unknown = await call('/jobs/00000000-0000-4000-8000-000000000000/undo', admin);
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.json.error.code, 'not_found');

    const undone = await call(`/jobs/${job}/undo`, admin);
    assert.equal(undone.status, 409);
    assert.equal(undone.json.error.code, 'job_already_undone');

    const running = await fx.db.query<{ id: string }>(
      `INSERT INTO integration.sync_jobs (id, mapping_name, direction, status)
       VALUES (gen_random_uuid(), 'CUSTOMER', 'ToIntegrationTable', 'running') RETURNING id`,
    );
    const busy = await call(`/jobs/${running.rows[0]!.id}/undo`, admin);
    assert.equal(busy.status, 409, busy.text);
    assert.equal(busy.json.error.code, 'job_running');
    await fx.db.query("UPDATE integration.sync_jobs SET status = 'abandoned' WHERE id = $1", [
      running.rows[0]!.id,
    ]);
    const nothing = await call(`/jobs/${running.rows[0]!.id}/undo`, admin);
    assert.equal(nothing.status, 409);
    assert.equal(nothing.json.error.code, 'nothing_to_undo');

    // A fresh job, previewed then undone over HTTP.
    await fx.db.query("UPDATE erp.customers SET city = 'Molde' WHERE number = 'U050'");
    const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
    assert.equal(run[0]!.counters.modified, 1);
    const id = run[0]!.jobId;
    const preview = await call(`/jobs/${id}/undo/preview`, processor);
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.counters.modified, 1);
    assert.equal(preview.json.crmEntity, 'account');
    assert.deepEqual(
      preview.json.restored.map((x: { recordId: string; name: string }) => [x.recordId, x.name]),
      [[modifiedIds[49], 'Customer 50']],
      'the record keeps its id and gets the name users know it by',
    );
    assert.equal((await call(`/jobs/${id}/undo`, processor)).status, 403, 'undo is for admins');
    const done = await call(`/jobs/${id}/undo`, admin);
    assert.equal(done.status, 200, done.text);
    assert.match(done.json.undoJobId, /^[0-9a-f-]{36}$/);
    const shown = await fetch(`${server.baseUrl}/api/integration/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(((await shown.json()) as { undoneBy: string }).undoneBy, done.json.undoJobId);
    assert.equal(done.json.counters.modified, 1);
    assert.equal(done.json.restored[0].name, 'Customer 50');
    assert.equal((await cities([modifiedIds[49]!])).get(modifiedIds[49]!), 'Bergen');
  } finally {
    await server.close();
  }
});

test('CLI: `kobling jobs undo ID --preview` prints the diff, `jobs undo ID` undoes, a second time answers job_already_undone', async () => {
  // The connection was stored and enabled by the API test, with this key.
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  await fx.db.query("UPDATE erp.customers SET city = 'Hamar' WHERE number IN ('U060', 'U061')");
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  assert.equal(run[0]!.counters.modified, 2);
  const id = run[0]!.jobId;
  const account = modifiedIds[59]!;
  // A salesperson deletes the other account after the job.
  const gone = modifiedIds[60]!;
  assert.ok((await fx.user.delete('accounts', gone)).ok);

  const listed = spawnKobling(['jobs', '--mapping', 'CUSTOMER', '--top', '1'], env);
  assert.equal(await listed.exited(), 0, listed.output());
  assert.match(listed.output(), new RegExp(id), 'the job list shows the id to undo');

  const preview = spawnKobling(['jobs', 'undo', id, '--preview'], env);
  assert.equal(await preview.exited(), 0, preview.output());
  assert.match(preview.output(), /would do: 1 modified, 1 skipped/);
  assert.match(
    preview.output(),
    /restore +crm account Customer 60 address1_city: "Hamar" → "Bergen"/,
    'the record by its name',
  );
  assert.doesNotMatch(preview.output(), new RegExp(account), 'not by its id');
  assert.match(
    preview.output(),
    new RegExp(`skipped +crm account ${gone} \\(deleted\\): It no longer exists`),
    'a record that no longer exists by its id',
  );
  assert.equal((await cities([account])).get(account), 'Hamar', 'the preview wrote nothing');

  const undone = spawnKobling(['jobs', 'undo', id, '--json'], env);
  assert.equal(await undone.exited(), 0, undone.output());
  assert.ok(undone.output().includes('{'), undone.output());
  const report = JSON.parse(undone.output().slice(undone.output().indexOf('{')));
  assert.equal(report.counters.modified, 1);
  assert.deepEqual(report.restored[0], {
    side: 'crm',
    recordId: account,
    name: 'Customer 60',
    fields: ['address1_city'],
  });
  assert.deepEqual(
    report.skipped.map((x: { recordId: string; name: unknown }) => [x.recordId, x.name]),
    [[gone, null]],
  );
  assert.match(report.undoJobId, /^[0-9a-f-]{36}$/);
  assert.equal((await cities([account])).get(account), 'Bergen');

  const again = spawnKobling(['jobs', 'undo', id], env);
  assert.equal(await again.exited(), 1);
  assert.match(again.output(), /error \[job_already_undone\]/);
});

test('web: the job page links to the undo preview; an admin confirms the undo there', async () => {
  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  try {
    await server.tokenFor('admin', 'undo-admin');
    const { cookie, page } = await signIn(server, 'undo-admin');

    await fx.db.query("UPDATE erp.customers SET city = 'Narvik' WHERE number = 'U070'");
    // The same job creates an account, which the undo deletes.
    await fx.db.query(
      "INSERT INTO erp.customers (number, display_name, city) VALUES ('W001', 'Woodgrove <Bank>', 'Bergen')",
    );
    const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), {
      only: 'ToIntegrationTable',
      ignoreOnlyCoupled: true,
    });
    assert.equal(run[0]!.counters.inserted, 1, run[0]!.message);
    const id = run[0]!.jobId;
    const jobPage = await page(`/integration/log/${id}`);
    assert.match(jobPage.html, new RegExp(`href="/integration/log/${id}/undo"`));
    const written = /id="writes"[\s\S]*?<\/table>/.exec(jobPage.html)?.[0] ?? '';
    assert.match(written, /Woodgrove &lt;Bank>[\s\S]*?insert[\s\S]*?\(new record\)/, written);
    assert.match(
      written,
      /modify[\s\S]*?address1_city[\s\S]*?Narvik/,
      'a modification field by field',
    );
    const preview = await page(`/integration/log/${id}/undo`);
    assert.equal(preview.status, 200, preview.html);
    assert.match(preview.html, /Undoing this job would do: 1 modified/);
    assert.match(preview.html, /Narvik[\s\S]*Bergen/);
    assert.match(
      preview.html,
      new RegExp(`<span class="record" title="${modifiedIds[69]}">account Customer 70</span>`),
      'the record by its name, its id in the title',
    );
    assert.match(
      preview.html,
      /delete Dynamics 365 Sales <\/span><span class="record" title="[0-9a-f-]{36}">account Woodgrove &lt;Bank><\/span>/,
      'a created record by its name, escaped',
    );
    assert.doesNotMatch(preview.html, /Woodgrove <Bank>/);
    assert.match(preview.html, /Undo the job/);
    const csrf = JSON.parse(
      /hx-headers='([^']+)'|hx-headers="([^"]+)"/
        .exec(preview.html)!
        .slice(1)
        .find(Boolean)!
        .replace(/&#34;|&quot;/g, '"'),
    ) as Record<string, string>;
    const done = await fetch(`${server.baseUrl}/integration/log/${id}/undo`, {
      method: 'POST',
      headers: { cookie: cookie(), 'hx-request': 'true', ...csrf },
    });
    const html = await done.text();
    assert.equal(done.status, 200, html);
    assert.match(html, /Undone by job [0-9a-f-]{36}: 1 modified/);
    assert.equal((await cities([modifiedIds[69]!])).get(modifiedIds[69]!), 'Bergen');
    const undoneJob = /Undone by job ([0-9a-f-]{36})/.exec(html)![1]!;
    const jobAfter = await page(`/integration/log/${id}`);
    assert.match(jobAfter.html, new RegExp(`Undone by job ${undoneJob}`));
    assert.doesNotMatch(jobAfter.html, /Undo this job/, 'offered no more once undone');
    assert.match((await page(`/integration/log/${undoneJob}`)).html, /The job this undid/);
    const again = await page(`/integration/log/${id}/undo`);
    assert.match(again.html, /This job cannot be undone[\s\S]*already been undone/);
  } finally {
    await server.close();
  }
});

test('the undo runs under the mapping lock: while a synchronization holds it, the undo waits, then answers mapping_busy and writes nothing', async () => {
  await fx.db.query("UPDATE erp.customers SET city = 'Alta' WHERE number = 'U080'");
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'), { only: 'ToIntegrationTable' });
  const id = run[0]!.jobId;
  const account = modifiedIds[79]!;
  const held = await withMappingLock(
    fx.db,
    'CUSTOMER',
    () => undoJobLocked(fx.db, fx.ctx, id, 300),
    { waitMs: 0 },
  );
  assert.ok(held.ok);
  assert.equal(held.value.ok ? 'ok' : held.value.error.code, 'mapping_busy');
  assert.equal((await cities([account])).get(account), 'Alta');
  const undos = await fx.db.query('SELECT 1 FROM integration.sync_jobs WHERE undo_of = $1', [id]);
  assert.equal(undos.rowCount, 0, 'no undo job was opened');
  const free = await undoJobLocked(fx.db, fx.ctx, id, 300);
  assert.ok(free.ok);
  assert.equal((await cities([account])).get(account), 'Bergen');
});
