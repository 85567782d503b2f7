import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { renderPreview } from '../../src/cli/commands/sync-preview.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { insertCoupling } from '../../src/sync/couplings/coupling-repo.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { previewMapping } from '../../src/sync/preview/preview.ts';
import type { Preview, PreviewDetail } from '../../src/sync/preview/preview-model.ts';
import { runKobling } from '../helpers/cli.ts';
import { startTestServer, testConfig } from '../helpers/server.ts';
import { snapshot } from './db-snapshot.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
const ids: { erp: string; crm: string }[] = [];

before(async () => {
  fx = await startSyncFixture();
  await fx.setMapping({
    ...fx.mapping('CUSTOMER'),
    direction: 'Bidirectional',
    updateConflict: 'None',
    syncOnlyCoupled: false,
  });
  for (let i = 1; i <= 7; i++)
    await fx.db.query(
      `INSERT INTO erp.customers (number, display_name, city) VALUES ($1, $2, 'Oslo')`,
      [`P${i}`, `Customer ${i}`],
    );
  const first = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(first[0]!.counters.inserted, 7, JSON.stringify(first));
  const couplings = await fx.db.query<{ erp_id: string; crm_id: string }>(
    `SELECT c.erp_id, c.crm_id FROM integration.couplings c JOIN erp.customers k ON k.id = c.erp_id
     WHERE c.mapping_name = 'CUSTOMER' ORDER BY k.number`,
  );
  ids.push(...couplings.rows.map((r) => ({ erp: r.erp_id, crm: r.crm_id })));
  const settled = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(
    settled.map((r) => r.counters.modified + r.counters.inserted + r.counters.failed),
    [0, 0],
  );
});
after(async () => {
  await fx?.close();
});

const key = (side: string, id: string | null) => `${side}:${id}`;

test('a preview of a CUSTOMER run with 5 changed customers (2 in conflict) lists what the run then does, and writes nothing', async () => {
  const [a, b, c, d, e] = ids;
  // Two changed in the ERP only, one in the CRM only, two on both sides (update conflicts).
  await fx.db.query(`UPDATE erp.customers SET city = 'Bergen' WHERE id = ANY($1::uuid[])`, [
    [a!.erp, b!.erp],
  ]);
  assert.ok((await fx.user.update('accounts', c!.crm, { telephone1: '+47 55 00 00 00' })).ok);
  for (const [i, x] of [d!, e!].entries()) {
    await fx.db.query('UPDATE erp.customers SET display_name = $1 WHERE id = $2', [
      `ERP name ${i}`,
      x.erp,
    ]);
    assert.ok((await fx.user.update('accounts', x.crm, { name: `CRM name ${i}` })).ok);
  }

  const before = await snapshot(fx.db);
  const preview = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  const p = preview.value;
  assert.equal(p.summary.written, false);
  assert.match(p.notice, /^Preview only: nothing was written/);
  assert.equal(p.summary.crm.modify, 2);
  assert.equal(p.summary.crm.conflict, 2);
  assert.equal(p.summary.erp.modify, 1);
  assert.equal(p.summary.erp.conflict, 2);
  const cityChange = p.details.find((x) => x.crmId === a!.crm && x.action === 'modify');
  assert.deepEqual(cityChange?.changes, [
    { field: 'address1_city', before: 'Oslo', after: 'Bergen' },
  ]);
  const phone = p.details.find((x) => x.erpId === c!.erp && x.action === 'modify');
  assert.equal(phone?.side, 'erp');
  assert.deepEqual(
    phone?.changes?.find((f) => f.field === 'phoneNumber'),
    { field: 'phoneNumber', before: '', after: '+47 55 00 00 00' },
    JSON.stringify(phone),
  );
  const conflict = p.details.find((x) => x.erpId === d!.erp && x.action === 'conflict');
  assert.deepEqual(conflict?.conflicts, [
    { erpField: 'displayName', crmField: 'name', erpValue: 'ERP name 0', crmValue: 'CRM name 0' },
  ]);
  assert.match(conflict!.message!, /field displayName and column name is bidirectional/);
  assert.equal(conflict!.name, 'P4 ERP name 0', 'the record as users know it');

  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(
    reports.map((r) => ({ direction: r.direction, counters: r.counters })),
    p.summary.passes.map((x) => ({ direction: x.direction, counters: x.counters })),
    'the run counts what the preview said',
  );
  const jobIds = reports.map((r) => r.jobId);
  const writes = await fx.db.query<{
    side: string;
    record_id: string;
    action: string;
    after: object;
  }>(
    'SELECT side, record_id, action, after FROM integration.write_history_records WHERE job_id = ANY($1::uuid[])',
    [jobIds],
  );
  const written = (d: PreviewDetail) => (d.side === 'crm' ? d.crmId : d.erpId);
  assert.deepEqual(
    writes.rows
      .map((w) => `${key(w.side, w.record_id)} ${w.action} ${JSON.stringify(w.after)}`)
      .sort(),
    p.details
      .filter((x) => x.action === 'modify' || x.action === 'insert')
      .map(
        (x) =>
          `${key(x.side, written(x))} ${x.action} ${JSON.stringify(Object.fromEntries(x.changes!.map((f) => [f.field, f.after])))}`,
      )
      .sort(),
    'every value the run wrote is one the preview listed',
  );
  const errors = await fx.db.query<{ erp_id: string; crm_id: string; message: string }>(
    'SELECT erp_id, crm_id, message FROM integration.sync_errors WHERE job_id = ANY($1::uuid[])',
    [jobIds],
  );
  assert.deepEqual(
    errors.rows.map((x) => `${x.erp_id} ${x.crm_id} ${x.message}`).sort(),
    p.details
      .filter((x) => x.action === 'conflict' || x.action === 'fail')
      .map((x) => `${x.erpId} ${x.crmId} ${x.message}`)
      .sort(),
    'the records that failed are the ones the preview said would',
  );
});

test('the CRM → ERP pass is previewed after what the ERP → CRM pass would write: conflicts won by the ERP, creates on both sides, a restore', async () => {
  const [a, , , d, e, f] = ids;
  // The two conflicts of the test above are in both retry sets; now the ERP wins them.
  await fx.setMapping({
    ...fx.mapping('CUSTOMER'),
    updateConflict: 'SendUpdate',
    deletionConflict: 'RestoreRecords',
  });
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name, city) VALUES ('P8', 'Customer 8', 'Molde')`,
  );
  assert.ok((await fx.user.create('accounts', { name: 'From the CRM', customertypecode: 3 })).ok);
  assert.ok((await fx.user.delete('accounts', f!.crm)).ok);
  await fx.db.query(`UPDATE erp.customers SET city = 'Narvik' WHERE id = $1`, [f!.erp]);
  await fx.db.query(`UPDATE erp.customers SET city = 'Hamar' WHERE id = $1`, [a!.erp]);
  assert.ok((await fx.user.update('accounts', a!.crm, { address1_city: 'Lillehammer' })).ok);

  const before = await snapshot(fx.db);
  const preview = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  const p = preview.value;
  const of = (erpId: string, direction: string) =>
    p.details.filter((x) => x.erpId === erpId && x.direction === direction).map((x) => x.action);
  assert.deepEqual(of(d!.erp, 'ToIntegrationTable'), ['modify']);
  assert.deepEqual(
    of(d!.erp, 'FromIntegrationTable'),
    ['unchanged'],
    'the CRM row the first pass writes is in step for the second',
  );
  assert.deepEqual(of(e!.erp, 'FromIntegrationTable'), ['unchanged']);
  assert.deepEqual(of(a!.erp, 'ToIntegrationTable'), ['modify']);
  assert.deepEqual(
    of(a!.erp, 'FromIntegrationTable'),
    ['unchanged'],
    'the CRM change the first pass wrote over is compared again (reverse pass due): nothing left of it',
  );
  const restore = p.details.find((x) => x.erpId === f!.erp);
  assert.equal(restore?.action, 'insert');
  assert.match(restore!.message!, /created again/);
  assert.equal(p.summary.crm.insert, 2, JSON.stringify(p.summary));
  assert.equal(p.summary.erp.insert, 1);

  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(
    reports.map((r) => ({ direction: r.direction, counters: r.counters })),
    p.summary.passes.map((x) => ({ direction: x.direction, counters: x.counters })),
    'the run counts what the preview said',
  );
  const again = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(again.ok);
  assert.equal(again.value.details.filter((x) => x.action !== 'unchanged').length, 0);
  assert.match(again.value.notice, /nothing to do|unchanged/);
});

test('POST /preview validates, pages the details and writes nothing; `kobling sync --dry-run` prints the diff; the web page shows it', async () => {
  const SECRET_KEY = 'p'.repeat(40);
  const deps = {
    db: fx.db,
    config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
    logger: createLogger('silent'),
  };
  await fx.connect(deps.config);
  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: SECRET_KEY });
  try {
    const token = await server.tokenFor('readOnly', 'preview-reader');
    const call = async (body: unknown) => {
      const res = await fetch(`${server.baseUrl}/api/integration/v1/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: JSON.parse(await res.text()) };
    };
    const [a, b] = ids;
    await fx.db.query(`UPDATE erp.customers SET city = 'Tromsø' WHERE id = ANY($1::uuid[])`, [
      [a!.erp, b!.erp],
    ]);
    // A full synchronization of CUSTOMER is queued: a regular run would wait, and the preview says so.
    await fx.db.query(
      `INSERT INTO integration.full_sync_lines (mapping_name, position, direction, recommendation, status)
       VALUES ('CUSTOMER', 1, 'Bidirectional', 'FullSynchronization', 'Queued')`,
    );
    const before = await snapshot(fx.db);

    const invalid = await call({ mapping: 'CUSTOMER', erpIds: ['not-a-guid'], pageSize: 0 });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.error.code, 'validation_failed');
    assert.match(invalid.json.error.message, /erpIds\.0: Invalid GUID; body\.pageSize/);
    const both = await call({ mapping: 'CUSTOMER', full: true, erpIds: [a!.erp] });
    assert.equal(both.status, 400);
    const unknown = await call({ mapping: 'NOPE' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /No table mapping named 'NOPE'/);
    const option = await call({ mapping: 'PAYMENT TERMS', direction: 'get' });
    assert.equal(option.status, 400, 'an option mapping has no CRM → ERP pass');
    assert.equal(option.json.error.code, 'invalid_direction');

    const page1 = await call({ mapping: 'CUSTOMER', direction: 'send', pageSize: 1 });
    assert.equal(page1.status, 200, JSON.stringify(page1.json));
    assert.equal(page1.json.summary.written, false);
    assert.equal(page1.json.summary.crm.modify, 2);
    assert.deepEqual(
      page1.json.summary.passes.map((p: { direction: string }) => p.direction),
      ['ToIntegrationTable'],
    );
    assert.match(page1.json.notice, /nothing was written/);
    assert.match(page1.json.warnings[0], /waits now: its full synchronization is queued/);
    assert.equal(page1.json.details.length, 1);
    assert.equal(page1.json.nextPage, 2);
    const page2 = await call({ mapping: 'CUSTOMER', direction: 'send', pageSize: 1, page: 2 });
    assert.equal(page2.json.details.length, 1);
    assert.equal(page2.json.nextPage, undefined);
    assert.deepEqual(
      [page1.json.details[0].crmId, page2.json.details[0].crmId].sort(),
      [a!.crm, b!.crm].sort(),
    );
    const targeted = await call({ mapping: 'CUSTOMER', erpIds: [a!.erp] });
    assert.equal(targeted.json.summary.crm.modify, 1, JSON.stringify(targeted.json.summary));

    const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: SECRET_KEY };
    const text = await runKobling(['sync', 'customer', '--dry-run'], env);
    assert.equal(text.code, 0, text.output);
    assert.match(
      text.output,
      /~ modify P2 Customer 2 \(ERP [0-9a-f-]+ ⇄ CRM [0-9a-f-]+\)\n\s+address1_city: "Bergen" → "Tromsø"/,
    );
    assert.match(text.output, /Summary: CRM 2 modify/);
    assert.match(text.output, /Preview only: nothing was written/);
    assert.match(text.output, /Warning: A regular run of CUSTOMER waits now/);
    const json = await runKobling(['sync', 'CUSTOMER', '--dry-run', '--json'], env);
    assert.equal(json.code, 0, json.output);
    assert.equal(JSON.parse(json.output).summary.crm.modify, 2);
    const full = await runKobling(['sync', 'full', '--dry-run'], env);
    assert.equal(full.code, 2, full.output);

    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'preview-reader', password: 'correct horse battery' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    // The page's path names the mapping in any case, as the API's and the CLI's do.
    const page = await fetch(`${server.baseUrl}/integration/mappings/customer/preview`, {
      headers: { cookie },
    });
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.match(html, /Preview only: nothing was written/);
    assert.match(html, /address1_city: Bergen → Tromsø/);
    // The record as users know it, its ids only in the title.
    assert.match(
      html,
      new RegExp(
        `<span class="record" title="ERP id ${b!.erp} ⇄ CRM id ${b!.crm}">Customer P2 Customer 2</span>`,
      ),
    );
    assert.doesNotMatch(html, /\(ERP [0-9a-f-]+ ⇄ CRM [0-9a-f-]+\)/, 'no ids beside the name');
    const missing = await fetch(`${server.baseUrl}/integration/mappings/NOPE/preview`, {
      headers: { cookie },
    });
    assert.equal(missing.status, 404);

    assert.deepEqual(
      await snapshot(fx.db),
      before,
      'neither the API, the CLI nor the page wrote anything',
    );
    await fx.db.query("DELETE FROM integration.full_sync_lines WHERE mapping_name = 'CUSTOMER'");
  } finally {
    await server.close();
  }
});

/** Written values comparably: keys in order, a lookup as its target's id (as the preview shows it). */
const canonical = (values: object): string =>
  JSON.stringify(
    Object.entries(values)
      .map(([k, v]): [string, unknown] => [k, v && typeof v === 'object' && 'id' in v ? v.id : v])
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Runs the mapping and checks that it did what the preview listed: counters, writes, failures,
 * and the fields it put in the conflict inbox. */
async function runMatches(p: Preview) {
  const reports = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.deepEqual(
    reports.map((r) => ({ direction: r.direction, counters: r.counters })),
    p.summary.passes.map((x) => ({ direction: x.direction, counters: x.counters })),
    'the run counts what the preview said',
  );
  const jobIds = reports.map((r) => r.jobId);
  const writes = await fx.db.query<{
    side: 'erp' | 'crm';
    record_id: string;
    action: string;
    after: object | null;
  }>(
    'SELECT side, record_id, action, after FROM integration.write_history_records WHERE job_id = ANY($1::uuid[])',
    [jobIds],
  );
  // The history keeps no values of a create (the record holds them): a create is compared by
  // record, a modification by the values it wrote.
  const shown = (side: string, id: string | null, action: string, after: object) =>
    `${side}:${id} ${action === 'insert' ? 'created' : canonical(after)}`;
  assert.deepEqual(
    writes.rows.map((w) => shown(w.side, w.record_id, w.action, w.after ?? {})).sort(),
    p.details
      .filter((x) => x.action === 'modify' || x.action === 'insert')
      .map((x) =>
        shown(
          x.side,
          x.side === 'crm' ? x.crmId : x.erpId,
          x.action,
          Object.fromEntries(x.changes!.map((f) => [f.field, f.after])),
        ),
      )
      .sort(),
    'every record the run created and every value it modified (write-backs too) is one the preview listed',
  );
  assert.ok(
    writes.rows.every((w) => (w.action === 'insert') === (w.after === null)),
    'a create keeps no values in the history, a modification its values',
  );
  const inbox = await fx.db.query<{ erp_id: string; erp_field: string; crm_field: string }>(
    "SELECT DISTINCT erp_id, erp_field, crm_field FROM integration.conflicts WHERE job_id = ANY($1::uuid[]) AND state = 'open'",
    [jobIds],
  );
  const held = new Set(
    p.details
      .filter((x) => x.action !== 'conflict')
      .flatMap((x) => (x.conflicts ?? []).map((c) => `${x.erpId} ${c.erpField} ${c.crmField}`)),
  );
  assert.deepEqual(
    inbox.rows.map((r) => `${r.erp_id} ${r.erp_field} ${r.crm_field}`).sort(),
    [...held].sort(),
    'the fields the run put in the conflict inbox are the ones the preview said',
  );
}

test('policy ask: the preview lists the fields for the conflict inbox and the write-backs, as the run then does', async () => {
  await fx.setMapping({ ...fx.mapping('CUSTOMER'), updateConflict: 'ask' });
  const [a, b, c] = ids;
  // Round 1: a and b (city changed in the ERP by the test above) sync and get agreed values; c
  // changed on both sides before any values were agreed, so its differing fields are held.
  await fx.db.query(`UPDATE erp.customers SET city = 'Alta' WHERE id = $1`, [c!.erp]);
  assert.ok((await fx.user.update('accounts', c!.crm, { telephone1: '+47 77 00 00 00' })).ok);
  let before = await snapshot(fx.db);
  const first = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(first.ok, first.ok ? '' : first.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  assert.ok(first.value.summary.inbox >= 1, JSON.stringify(first.value.summary));
  await runMatches(first.value);

  // Round 2: a's name changed in the ERP and its phone in the CRM (each goes its way: the phone is
  // written back to the ERP); b's name changed on both sides (held).
  await fx.db.query(`UPDATE erp.customers SET display_name = 'A renamed' WHERE id = $1`, [a!.erp]);
  assert.ok((await fx.user.update('accounts', a!.crm, { telephone1: '+47 22 22 22 22' })).ok);
  await fx.db.query(`UPDATE erp.customers SET display_name = 'B in the ERP' WHERE id = $1`, [
    b!.erp,
  ]);
  assert.ok((await fx.user.update('accounts', b!.crm, { name: 'B in the CRM' })).ok);
  before = await snapshot(fx.db);
  const second = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(second.ok, second.ok ? '' : second.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  const p = second.value;
  const back = p.details.find((x) => x.writeBack && x.erpId === a!.erp);
  assert.equal(back?.side, 'erp', JSON.stringify(p.details));
  assert.deepEqual(back?.changes, [{ field: 'phoneNumber', before: '', after: '+47 22 22 22 22' }]);
  const heldB = p.details.find((x) => x.erpId === b!.erp && x.direction === 'ToIntegrationTable');
  assert.deepEqual(heldB?.conflicts, [
    {
      erpField: 'displayName',
      crmField: 'name',
      erpValue: 'B in the ERP',
      crmValue: 'B in the CRM',
    },
  ]);
  assert.match(p.notice, /conflict inbox/);
  assert.equal(back?.message, 'written back to the ERP (changed only in Dynamics 365 Sales)');
  // The dry run's text lists the write-back under the pass that writes the ERP, not under the one
  // that writes the CRM.
  const text = renderPreview({ ...p, warnings: [] });
  const toErp = text.findIndex((l) => l.startsWith('CRM → ERP (writes to the ERP)'));
  const backLine = text.findIndex((l) => l.startsWith('  ~ write back') && l.includes(a!.erp));
  assert.ok(toErp > 0 && backLine > toErp, text.join('\n'));
  assert.match(text[backLine]!, /written back to the ERP \(changed only in Dynamics 365 Sales\)/);
  assert.ok(!text.join('\n').includes('only this side did not change'), text.join('\n'));
  await runMatches(p);

  // Round 3: a's name changed on both sides while its CRM → ERP direction is in the retry set (an
  // earlier write to the ERP failed): the second pass sees the entry the first pass opens.
  await fx.db.query(
    "UPDATE integration.couplings SET last_result_to_erp = 'Failure' WHERE erp_id = $1",
    [a!.erp],
  );
  await fx.db.query(`UPDATE erp.customers SET display_name = 'A in the ERP' WHERE id = $1`, [
    a!.erp,
  ]);
  assert.ok((await fx.user.update('accounts', a!.crm, { name: 'A in the CRM' })).ok);
  const third = await previewMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok(third.ok);
  assert.deepEqual(
    third.value.details.filter((x) => x.erpId === a!.erp).map((x) => [x.direction, x.action]),
    [
      ['ToIntegrationTable', 'unchanged'],
      ['FromIntegrationTable', 'unchanged'],
    ],
    'held on both passes: nothing overwritten',
  );
  assert.equal(
    third.value.details.filter((x) => x.erpId === a!.erp && x.conflicts).length,
    2,
    'both passes hold the record',
  );
  assert.equal(third.value.summary.inbox, 1, 'the record counts once in the inbox for the run');
  assert.match(third.value.notice, /put 1 record in the conflict inbox/);
  await runMatches(third.value);
  assert.equal(
    (
      await fx.db.query<{ n: string }>(
        'SELECT display_name AS n FROM erp.customers WHERE id = $1',
        [a!.erp],
      )
    ).rows[0]!.n,
    'A in the ERP',
  );
});

test('creates a killed run left pending: the preview settles them as the run does (coupled, or created with the chosen id)', async () => {
  const customer = fx.mapping('CUSTOMER');
  const made = await fx.db.query<{ id: string; number: string }>(
    `INSERT INTO erp.customers (number, display_name, city) VALUES ('P9', 'Landed', 'Oslo'), ('P10', 'Lost', 'Oslo')
     RETURNING id, number`,
  );
  const [landed, lost] = made.rows;
  // The CRM got P9's create before the run died; P10's never arrived.
  const account = await fx.client.create('accounts', {
    name: 'Landed',
    address1_city: 'Oslo',
    customertypecode: 3,
  });
  assert.ok(account.ok);
  const base = { mappingName: 'CUSTOMER', erpTable: 'customers', crmEntity: 'account' };
  await insertCoupling(fx.db, {
    ...base,
    erpId: landed!.id,
    crmId: account.value.id,
    state: 'pending',
  });
  const chosen = randomUUID();
  await insertCoupling(fx.db, { ...base, erpId: lost!.id, crmId: chosen, state: 'pending' });
  // And a CRM → ERP create whose ERP row was never made.
  const fromCrm = await fx.user.create('accounts', {
    name: 'From the CRM, pending',
    customertypecode: 3,
  });
  assert.ok(fromCrm.ok);
  const chosenErp = randomUUID();
  await insertCoupling(fx.db, {
    ...base,
    erpId: chosenErp,
    crmId: fromCrm.value.id,
    state: 'pending',
    pendingSide: 'erp',
  });
  await fx.db.query(
    "UPDATE integration.couplings SET last_result_to_erp = 'Failure' WHERE erp_id = $1",
    [chosenErp],
  );

  const before = await snapshot(fx.db);
  const preview = await previewMapping(fx.ctx, customer);
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  const of = (erpId: string) => preview.value.details.filter((d) => d.erpId === erpId);
  assert.equal(of(landed!.id)[0]?.action, 'couple', JSON.stringify(preview.value.details));
  assert.deepEqual(
    of(lost!.id).map((d) => [d.action, d.crmId]),
    [['insert', chosen]],
    'created with the id chosen before',
  );
  assert.deepEqual(
    of(chosenErp).map((d) => [d.action, d.side]),
    [['insert', 'erp']],
  );
  await runMatches(preview.value);
  const ids = await fx.db.query<{ id: string }>('SELECT id FROM erp.customers WHERE id = $1', [
    chosenErp,
  ]);
  assert.equal(ids.rows.length, 1, 'the ERP create used the chosen id');
});

test('creates a cut-off run left in the create journal: the preview and the run couple the landed one and create the other, once', async () => {
  const customer = fx.mapping('CUSTOMER');
  const made = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city) VALUES ('J1', 'Journal landed', 'Oslo'), ('J2', 'Journal lost', 'Oslo')
     RETURNING id`,
  );
  const [landed, lost] = made.rows;
  // The run journaled both creates and sent its `$batch`; J1's create landed, then it died.
  const account = await fx.client.create('accounts', {
    name: 'Journal landed',
    address1_city: 'Oslo',
    customertypecode: 3,
  });
  assert.ok(account.ok);
  const lostId = randomUUID();
  await fx.db.query(
    `INSERT INTO integration.crm_create_journal (id, mapping_name, job_id, coupling_ids, erp_ids, crm_ids)
     VALUES ($1, 'CUSTOMER', $2, $3::uuid[], $4::uuid[], $5::uuid[])`,
    [
      randomUUID(),
      randomUUID(),
      [randomUUID(), randomUUID()],
      [landed!.id, lost!.id],
      [account.value.id, lostId],
    ],
  );

  const before = await snapshot(fx.db);
  const preview = await previewMapping(fx.ctx, customer);
  assert.ok(preview.ok, preview.ok ? '' : preview.error.message);
  assert.deepEqual(await snapshot(fx.db), before, 'the preview wrote nothing anywhere');
  const of = (erpId: string) => preview.value.details.filter((d) => d.erpId === erpId);
  // Coupled, then compared as the run does (the account lacks the credit limit): never created.
  assert.deepEqual(
    of(landed!.id).map((d) => [d.action, d.crmId]),
    [
      ['couple', account.value.id],
      ['modify', account.value.id],
    ],
    JSON.stringify(preview.value.details),
  );
  assert.deepEqual(
    of(lost!.id).map((d) => d.action),
    ['insert'],
  );
  // The run counts what the preview said (the new account's id is the run's own choice).
  const reports = await runMapping(fx.ctx, customer);
  assert.deepEqual(
    reports.map((r) => r.counters),
    preview.value.summary.passes.map((x) => x.counters),
  );
  const couplings = await fx.db.query<{ erp_id: string; crm_id: string; state: string }>(
    'SELECT erp_id, crm_id, state FROM integration.couplings WHERE erp_id = ANY($1::uuid[])',
    [[landed!.id, lost!.id]],
  );
  const byErp = new Map(couplings.rows.map((c) => [c.erp_id, c]));
  assert.equal(byErp.get(landed!.id)?.crm_id, account.value.id, 'the landed create is coupled');
  assert.equal(byErp.get(landed!.id)?.state, 'coupled');
  assert.equal(byErp.get(lost!.id)?.state, 'coupled', 'the lost one was created');
  assert.notEqual(byErp.get(lost!.id)?.crm_id, lostId);
  const accounts = await fx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM crm.records WHERE entity = 'account' AND data->>'name' LIKE 'Journal %'",
  );
  assert.equal(accounts.rows[0]!.n, 2, 'one account each, no duplicate');
  const left = await fx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM integration.crm_create_journal WHERE mapping_name = 'CUSTOMER'",
  );
  assert.equal(left.rows[0]!.n, 0, 'the journal is settled');
});
