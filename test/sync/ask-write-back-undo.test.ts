import assert from 'node:assert/strict';
import { test } from 'node:test';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { previewMapping } from '../../src/sync/preview/preview.ts';
import { matchBasedCoupling } from '../../src/sync/service/match-based-coupling.ts';
import { previewUndo, type UndoReport } from '../../src/sync/undo/undo-job.ts';
import { callJson, signIn, startTestServer } from '../helpers/server.ts';
import { accountFields, customerFields, runPair, useAskCustomers } from '../helpers/sync-data.ts';

// Policy `ask` (docs/sync-engine.md, "Update conflicts"): the ERP changed one field and the CRM
// another of the same coupled record; the pass writes its own side's change across and the other
// side's change back. Both writes are the job's: it counts the record once, its message says it
// wrote back, and undoing it reverts both writes (the preview lists both).
/** One customer and its account per scenario, so that each job holds only its own record. */
const { fx, pairs } = useAskCustomers(
  `INSERT INTO erp.customers (number, display_name, city, website)
   SELECT 'C2000' || n, 'Fabrikam ' || n, 'Oslo', 'https://fabrikam.example' FROM generate_series(1, 5) AS n
   ORDER BY n RETURNING id`,
);

/** The fields of the pair's records these tests change. */
const FIELDS = ['city', 'website'] as const;
const account = (id: string) => accountFields(fx, id, FIELDS);
const customer = (id: string) => customerFields(fx.db, id, FIELDS);
const history = async (jobId: string) =>
  (
    await fx.db.query<{ side: string; record_id: string; before: unknown; after: unknown }>(
      'SELECT side, record_id, before, after FROM integration.write_history WHERE job_id = $1 ORDER BY id',
      [jobId],
    )
  ).rows;
const undoOk = async (id: string): Promise<UndoReport> => {
  const r = await undoJobLocked(fx.db, fx.ctx, id);
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.value;
};
/** The preview's restores as `side field: now → gets back`. */
const restores = (r: UndoReport) =>
  r.restored
    .flatMap((x) =>
      Object.entries(x.changes ?? {}).map(
        ([f, c]) => `${x.side} ${f}: ${String(c.current)} → ${String(c.restore)}`,
      ),
    )
    .sort();

let job: string;

test('ERP → CRM: the city goes to the CRM, the website back to the ERP; the record counts once, the message says where it was written back', async () => {
  const p = pairs[0]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Bergen' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: 'https://crm.example' })).ok);
  const [toCrm, toErp] = await runPair(fx, p);
  assert.equal(toCrm!.direction, 'ToIntegrationTable');
  job = toCrm!.jobId;
  assert.deepEqual(await account(p.crm), { city: 'Bergen', website: 'https://crm.example' });
  assert.deepEqual(await customer(p.erp), { city: 'Bergen', website: 'https://crm.example' });
  assert.equal(toCrm!.counters.modified, 1);
  assert.equal(toCrm!.counters.unchanged + toCrm!.counters.failed, 0);
  assert.equal(toCrm!.message, '1 modified; 1 written back to the ERP');
  const j = await fx.db.query('SELECT modified, message FROM integration.sync_jobs WHERE id = $1', [
    job,
  ]);
  assert.deepEqual(j.rows[0], { modified: 1, message: '1 modified; 1 written back to the ERP' });
  assert.deepEqual(
    (await history(job)).map((h) => [h.side, h.record_id, h.before, h.after]),
    [
      ['crm', p.crm, { address1_city: 'Oslo' }, { address1_city: 'Bergen' }],
      ['erp', p.erp, { website: 'https://fabrikam.example' }, { website: 'https://crm.example' }],
    ],
  );
  assert.equal(toErp!.counters.modified, 0, 'the CRM → ERP pass finds both sides in step');
  const other = await previewUndo(fx.ctx, toErp!.jobId);
  assert.equal(other.ok ? 'ok' : other.error.code, 'nothing_to_undo');
});

test('undoing that job reverts both writes: the preview lists the written-back field too', async () => {
  const p = pairs[0]!;
  const preview = await previewUndo(fx.ctx, job);
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.equal(preview.value.counters.modified, 2, 'two records: the account and the customer');
  assert.deepEqual(restores(preview.value), [
    'crm address1_city: Bergen → Oslo',
    'erp website: https://crm.example → https://fabrikam.example',
  ]);
  const u = await undoOk(job);
  assert.equal(u.counters.modified, 2, JSON.stringify(u));
  assert.deepEqual(u.notRestored, []);
  assert.equal((await account(p.crm)).city, 'Oslo');
  assert.equal((await customer(p.erp)).website, 'https://fabrikam.example');
  assert.deepEqual((await history(u.undoJobId!)).map((h) => [h.side, h.after]).sort(), [
    ['crm', { address1_city: 'Oslo' }],
    ['erp', { website: 'https://fabrikam.example' }],
  ]);
});

test('CRM → ERP alone (a real-time run): the website goes to the ERP, the city back to the CRM; undo reverts both', async () => {
  const p = pairs[1]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Hamar' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: 'https://hamar.example' })).ok);
  const [toErp] = await runPair(fx, p, 'FromIntegrationTable');
  assert.equal(toErp!.message, '1 modified; 1 written back to the CRM');
  assert.deepEqual(await account(p.crm), { city: 'Hamar', website: 'https://hamar.example' });
  assert.deepEqual(await customer(p.erp), { city: 'Hamar', website: 'https://hamar.example' });
  const preview = await previewUndo(fx.ctx, toErp!.jobId);
  assert.ok(preview.ok);
  assert.deepEqual(restores(preview.value), [
    'crm address1_city: Hamar → Oslo',
    'erp website: https://hamar.example → https://fabrikam.example',
  ]);
  const u = await undoOk(toErp!.jobId);
  assert.equal(u.counters.modified, 2);
  assert.equal((await account(p.crm)).city, 'Oslo');
  assert.equal((await customer(p.erp)).website, 'https://fabrikam.example');
});

test('a record whose only write is the write-back counts as modified, not unchanged (the preview says so first); its undo restores it', async () => {
  const p = pairs[2]!;
  // The ERP record changes in a field the mapping does not carry: nothing to send to the CRM.
  await fx.db.query("UPDATE erp.customers SET modified_by = 'someone' WHERE id = $1", [p.erp]);
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: 'https://only.example' })).ok);
  const preview = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'), {
    erpIds: [p.erp],
    crmIds: [p.crm],
  });
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  const [toCrm, toErp] = await runPair(fx, p);
  assert.deepEqual(
    [toCrm!.counters, toErp!.counters],
    preview.value.summary.passes.map((x) => x.counters),
    'the run counts what the preview said',
  );
  assert.equal(toCrm!.counters.modified, 1);
  assert.equal(toCrm!.counters.unchanged, 0);
  assert.equal(toCrm!.message, '1 modified; 1 written back to the ERP');
  assert.equal((await customer(p.erp)).website, 'https://only.example');
  assert.deepEqual(
    (await history(toCrm!.jobId)).map((h) => h.side),
    ['erp'],
  );
  const u = await undoOk(toCrm!.jobId);
  assert.equal(u.counters.modified, 1);
  assert.equal((await customer(p.erp)).website, 'https://fabrikam.example');
});

test('a refused write-back fails the record, which counts once: failed, not also modified', async () => {
  const p = pairs[3]!;
  await fx.db.query("UPDATE erp.customers SET city = 'Molde' WHERE id = $1", [p.erp]);
  // Longer than the ERP's website field (80 characters) takes: the ERP refuses the write-back.
  const long = `https://${'x'.repeat(100)}.example`;
  assert.ok((await fx.user.update('accounts', p.crm, { websiteurl: long })).ok);
  const [toCrm] = await runPair(fx, p, 'ToIntegrationTable');
  assert.equal((await account(p.crm)).city, 'Molde', 'the write to the CRM is done');
  assert.equal((await customer(p.erp)).website, 'https://fabrikam.example');
  assert.deepEqual(
    [toCrm!.counters.modified, toCrm!.counters.unchanged, toCrm!.counters.failed],
    [0, 0, 1],
    toCrm!.message,
  );
  assert.equal(toCrm!.message, '1 failed');
  const errors = await fx.db.query<{ message: string }>(
    'SELECT message FROM integration.sync_errors WHERE job_id = $1',
    [toCrm!.jobId],
  );
  assert.equal(errors.rows.length, 1);
  assert.match(errors.rows[0]!.message, /^Modifying customers failed/);
});

test("the job's writes, both sides, by record name: GET /jobs/{id}/writes and the job's page", async () => {
  const p = pairs[0]!;
  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  try {
    const admin = await server.tokenFor('admin', 'writes-admin');
    const api = (path: string, method = 'GET', body?: unknown) =>
      callJson(`${server.baseUrl}/api/integration/v1${path}`, method, admin, body);
    assert.equal((await api('/connection', 'PATCH', fx.connection)).status, 200);
    assert.equal((await api('/connection/enable', 'POST')).status, 200);
    const r = await api(`/jobs/${job}/writes`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 2);
    assert.deepEqual(
      r.json.value.map((w: Record<string, unknown>) => [
        w.side,
        w.table,
        w.recordId,
        w.name,
        w.after,
      ]),
      [
        ['crm', 'account', p.crm, 'Fabrikam 1', { address1_city: 'Bergen' }],
        ['erp', 'customers', p.erp, 'C20001 Fabrikam 1', { website: 'https://crm.example' }],
      ],
    );
    const paged = await api(`/jobs/${job}/writes?top=1&skip=1`);
    assert.deepEqual(
      paged.json.value.map((w: { side: string }) => w.side),
      ['erp'],
    );
    assert.equal((await api('/jobs/00000000-0000-4000-8000-000000000000/writes')).status, 404);
    assert.equal((await api(`/jobs/${job}/writes?top=0`)).status, 400);

    // The job's page, signed in as a user of the web UI.
    const { status, html } = await (await signIn(server, 'writes-admin')).page(
      `/integration/log/${job}`,
    );
    assert.equal(status, 200, html);
    assert.match(html, /1 modified; 1 written back to the ERP/);
    assert.match(html, /Values written/);
    assert.match(html, /This job wrote both systems/);
    assert.match(
      html,
      /Customer C20001 Fabrikam 1<\/span>[\s\S]*?website[\s\S]*?https:\/\/fabrikam\.example[\s\S]*?https:\/\/crm\.example/,
    );
    assert.match(html, /account Fabrikam 1<\/span>[\s\S]*?address1_city[\s\S]*?Oslo[\s\S]*?Bergen/);
  } finally {
    await server.close();
  }
});

test("a lookup the job wrote goes by its record's name: the account's currency before and after by ISO code, the raw ids kept; a record that cannot be read keeps its id", async () => {
  const p = pairs[4]!;
  await fx.db.query(
    "INSERT INTO erp.currencies (code, display_name, symbol) VALUES ('GBP', 'Pound Sterling', '£')",
  );
  await fx.db.query(`INSERT INTO erp.currency_exchange_rates (currency_code, starting_date, exchange_rate_amount, relational_exchange_rate_amount)
    VALUES ('GBP', '2020-01-01', 115, 100)`);
  assert.equal((await matchBasedCoupling(fx.ctx, fx.mapping('CURRENCY'))).created, 1);
  const gbp = (
    await fx.db.query<{ crm_id: string }>(
      "SELECT crm_id FROM integration.couplings WHERE mapping_name = 'CURRENCY' AND state = 'coupled'",
    )
  ).rows[0]!.crm_id;
  const base = await fx.ctx.crm.baseCurrencyId();
  assert.ok(base.ok && base.value);
  const eur = base.value;
  await fx.db.query("UPDATE erp.customers SET currency_code = 'GBP' WHERE id = $1", [p.erp]);
  const [toCrm] = await runPair(fx, p, 'ToIntegrationTable');
  assert.equal(toCrm!.counters.modified, 1, toCrm!.message);
  const raw = {
    before: { transactioncurrencyid: eur },
    after: { transactioncurrencyid: { lookupEntity: 'transactioncurrency', id: gbp } },
  };
  assert.deepEqual(
    (await history(toCrm!.jobId)).map((h) => [h.side, h.before, h.after]),
    [['crm', raw.before, raw.after]],
  );

  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  try {
    const admin = await server.tokenFor('admin', 'lookups-admin');
    const api = (path: string, method = 'GET', body?: unknown) =>
      callJson(`${server.baseUrl}/api/integration/v1${path}`, method, admin, body);
    const writes = async () => {
      const r = await api(`/jobs/${toCrm!.jobId}/writes`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.value.length, 1);
      return r.json.value[0] as Record<string, unknown>;
    };
    const page = async () => {
      const { status, html } = await (await signIn(server, 'lookups-admin')).page(
        `/integration/log/${toCrm!.jobId}`,
      );
      assert.equal(status, 200, html);
      return html.slice(html.indexOf('Values written'));
    };
    assert.equal((await api('/connection', 'PATCH', fx.connection)).status, 200);
    assert.equal((await api('/connection/enable', 'POST')).status, 200);

    const named = await writes();
    assert.deepEqual(
      [named.name, named.before, named.after],
      ['Fabrikam 5', raw.before, raw.after],
    );
    assert.deepEqual(named.lookupNames, { [eur]: 'EUR', [gbp]: 'GBP' });
    assert.match(
      await page(),
      new RegExp(
        `transactioncurrencyid</td>\\s*<td[^>]*><span class="lookup" title="${eur}">EUR</span></td>\\s*<td[^>]*><span class="lookup" title="${gbp}">GBP</span>`,
      ),
    );

    // The currency is gone from the CRM: its id stands for it, the other lookup is still named.
    assert.ok((await fx.client.delete('transactioncurrencies', gbp)).ok);
    const gone = await writes();
    assert.deepEqual([gone.before, gone.after], [raw.before, raw.after]);
    assert.deepEqual(gone.lookupNames, { [eur]: 'EUR' });
    assert.match(
      await page(),
      new RegExp(`title="${eur}">EUR</span></td>\\s*<td[^>]*>${gbp}</td>`),
    );

    // No connection to read the CRM: every lookup goes by its id, as the record does.
    assert.equal((await api('/connection/disable', 'POST')).status, 200);
    const unread = await writes();
    assert.deepEqual(
      [unread.name, unread.lookupNames, unread.before, unread.after],
      [undefined, undefined, raw.before, raw.after],
    );
    assert.match(await page(), new RegExp(`<td[^>]*>${eur}</td>\\s*<td[^>]*>${gbp}</td>`));
  } finally {
    await server.close();
  }
});
