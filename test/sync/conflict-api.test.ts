import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { couple, findCrmByName } from '../../src/sync/service/couplings.ts';
import { createInCrm } from '../../src/sync/service/create-in.ts';
import { runKobling } from '../helpers/cli.ts';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

// The conflict inbox over HTTP: listing with paging, resolving one or many, and the 4xx answers.
let fx: SyncFixture;
let server: TestServer;
let admin: string;
let reader: string;
const customers: { erpId: string; crmId: string }[] = [];

const call = (method: string, path: string, token: string, body?: unknown) =>
  callJson(`${server.baseUrl}/api/integration/v1${path}`, method, token, body);

const phones = async () =>
  (
    await fx.db.query<{ number: string; phone_number: string }>(
      'SELECT number, phone_number FROM erp.customers ORDER BY number',
    )
  ).rows.map((r) => r.phone_number);

before(async () => {
  fx = await startSyncFixture();
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  admin = await server.tokenFor('admin');
  reader = await server.tokenFor('readOnly');
  const saved = await call('PATCH', '/connection', admin, fx.connection);
  assert.equal(saved.status, 200, saved.text);
  const enabled = await call('POST', '/connection/enable', admin);
  assert.equal(enabled.status, 200, enabled.text);

  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name) VALUES ('AH', 'Annette Hill')`,
  );
  const ports = { erp: fx.ctx.erp, crm: fx.ctx.crm };
  const user = await findCrmByName(ports, fx.mapping('SALESPEOPLE'), 'Annette Hill');
  assert.ok(user.ok);
  const ah = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'AH'");
  assert.ok((await couple(fx.db, ports, fx.mapping('SALESPEOPLE'), ah.rows[0]!.id, user.value)).ok);
  const rows = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, salesperson_code, phone_number)
     SELECT 'C' || n, 'Customer ' || n, 'AH', '+47 ' || n FROM generate_series(1, 3) AS n RETURNING id`,
  );
  const created = await createInCrm(
    fx.ctx,
    fx.mapping('CUSTOMER'),
    rows.rows.map((r) => r.id),
  );
  assert.deepEqual(created.failed, []);
  customers.push(...created.created.map((c) => ({ erpId: c.erpId, crmId: c.crmId })));
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  // Each customer's phone changed on both sides: three entries.
  await fx.db.query("UPDATE erp.customers SET phone_number = phone_number || ' (ERP)'");
  for (const c of customers) {
    const r = await fx.user.update('accounts', c.crmId, {
      telephone1: `CRM ${c.crmId.slice(0, 4)}`,
    });
    assert.ok(r.ok);
  }
  const run = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(run[0]!.counters.failed + run[1]!.counters.failed, 0, JSON.stringify(run));
});
after(async () => {
  await server?.close();
  await fx?.close();
});

test('GET /conflicts lists open entries with both values, paged and by mapping', async () => {
  const all = await call('GET', '/conflicts', reader);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.total, 3);
  const e = all.json.value[0];
  assert.equal(e.mapping, 'CUSTOMER');
  assert.equal(e.erpField, 'phoneNumber');
  assert.equal(e.crmField, 'telephone1');
  assert.match(e.erpValue, / \(ERP\)$/);
  assert.match(e.crmValue, /^CRM /);
  assert.equal(e.state, 'open');
  // The records by number and name (their ids stay): customer Cn "Customer n", account "Customer n".
  const n = customers.findIndex((c) => c.erpId === e.erpId) + 1;
  assert.ok(n > 0 && e.crmId === customers[n - 1]!.crmId, all.text);
  assert.equal(e.erpName, `C${n} Customer ${n}`);
  assert.equal(e.crmName, `Customer ${n}`);
  const page = await call('GET', '/conflicts?mapping=CUSTOMER&top=2&skip=2', reader);
  assert.equal(page.json.total, 3);
  assert.equal(page.json.value.length, 1);
  assert.equal((await call('GET', '/conflicts?mapping=CONTACT', reader)).json.total, 0);
  assert.equal(page.json['@odata.nextLink'], undefined, 'the last page');
  const bad = await call('GET', '/conflicts?top=0', reader);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'validation_failed');

  // Paged like the couplings list: the entries one pass found share a detection time, the id
  // orders them; following the next link gives the rest, none twice.
  const headers = { authorization: `Bearer ${reader}`, prefer: 'odata.maxpagesize=2' };
  const first = await fetch(`${server.baseUrl}/api/integration/v1/conflicts?$count=true`, {
    headers,
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected freely
  const one: any = await first.json();
  assert.equal(first.headers.get('preference-applied'), 'odata.maxpagesize=2');
  assert.equal(one.value.length, 2);
  assert.equal(one['@odata.count'], 3);
  assert.equal(one.total, 3);
  assert.match(one['@odata.nextLink'], /\/conflicts\?\$count=true&\$skiptoken=/);
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected freely
  const two: any = await (await fetch(one['@odata.nextLink'], { headers })).json();
  assert.equal(two.value.length, 1);
  assert.equal(two['@odata.nextLink'], undefined);
  assert.deepEqual(
    [...one.value, ...two.value].map((x: { id: string }) => x.id),
    all.json.value.map((x: { id: string }) => x.id),
  );
  assert.equal(all.json['@odata.count'], undefined, 'counted as @odata.count only when asked');

  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const top = await runKobling(['conflicts', '--top', '2'], env);
  assert.equal(top.code, 0, top.output);
  assert.equal(
    top.output.trim().split('\n').at(-1),
    'Rows 1–2 of 3 open conflicts; next: `kobling conflicts --skip 2 --top 2` (or --all for every one)',
  );
  const every = await runKobling(['conflicts', '--all', '--json'], env);
  assert.equal(every.code, 0, every.output);
  const listed = JSON.parse(every.output);
  assert.equal(listed.total, 3);
  assert.deepEqual(
    listed.value.map((x: { id: string }) => x.id),
    all.json.value.map((x: { id: string }) => x.id),
  );
});

test('resolving one entry: 4xx for bad input, unknown ids and entries already resolved', async () => {
  const [first] = (await call('GET', '/conflicts', reader)).json.value;
  const path = `/conflicts/${first.id}/resolve`;
  assert.equal((await call('POST', path, reader, { take: 'erp' })).status, 403);
  const noValue = await call('POST', path, admin, { take: 'value' });
  assert.equal(noValue.status, 400);
  assert.equal(noValue.json.error.code, 'validation_failed');
  const wrongTake = await call('POST', path, admin, { take: 'both' });
  assert.equal(wrongTake.status, 400);
  assert.equal((await call('POST', '/conflicts/nope/resolve', admin, { take: 'erp' })).status, 400);
  const unknown = await call(
    'POST',
    '/conflicts/00000000-0000-4000-8000-000000000000/resolve',
    admin,
    { take: 'erp' },
  );
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, 'conflict_not_found');
  const tooLong = await call('POST', path, admin, { take: 'value', value: 'x'.repeat(300) });
  assert.equal(tooLong.status, 422, tooLong.text);
  assert.equal(tooLong.json.error.code, 'conflict_value_invalid');
  const before = await phones();

  const done = await call('POST', path, admin, { take: 'erp' });
  assert.equal(done.status, 200, done.text);
  assert.deepEqual(done.json.written, ['crm']);
  const account = await fx.client.retrieve<{ telephone1: string }>('accounts', first.crmId);
  assert.ok(account.ok);
  assert.equal(account.value.telephone1, first.erpValue, 'take ERP writes the CRM');
  assert.deepEqual(await phones(), before, 'the ERP keeps its value');
  const again = await call('POST', path, admin, { take: 'crm' });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'conflict_not_open');
  assert.equal((await call('GET', '/conflicts', reader)).json.total, 2);
});

test('bulk resolve: exactly one of ids or mapping; every open entry of a mapping with one choice', async () => {
  const open = (await call('GET', '/conflicts', reader)).json.value;
  const both = await call('POST', '/conflicts/resolve', admin, {
    ids: [open[0].id],
    mapping: 'CUSTOMER',
    take: 'crm',
  });
  assert.equal(both.status, 400);
  assert.equal(
    (await call('POST', '/conflicts/resolve', admin, { take: 'crm' })).status,
    400,
    'neither ids nor mapping',
  );
  const value = await call('POST', '/conflicts/resolve', admin, {
    mapping: 'CUSTOMER',
    take: 'value',
  });
  assert.equal(value.status, 400, 'a typed value is per field, not for many');
  const unknown = await call('POST', '/conflicts/resolve', admin, {
    ids: [open[0].id, '00000000-0000-4000-8000-000000000000'],
    take: 'crm',
  });
  assert.equal(unknown.status, 404);
  assert.equal((await call('GET', '/conflicts', reader)).json.total, 2, 'nothing resolved');

  const bulk = await call('POST', '/conflicts/resolve', admin, {
    mapping: 'CUSTOMER',
    take: 'crm',
  });
  assert.equal(bulk.status, 200, bulk.text);
  assert.equal(bulk.json.resolved.length, 2);
  assert.deepEqual(bulk.json.failed, []);
  const now = await phones();
  assert.equal(now.filter((p) => p.startsWith('CRM ')).length, 2, 'take CRM wrote the ERP');
  assert.equal((await call('GET', '/conflicts', reader)).json.total, 0);
  const none = await call('POST', '/conflicts/resolve', admin, {
    mapping: 'CUSTOMER',
    take: 'crm',
  });
  assert.equal(none.status, 404);
  const next = await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal(next[0]!.counters.modified + next[1]!.counters.modified, 0, JSON.stringify(next));
  assert.equal((await call('GET', '/conflicts', reader)).json.total, 0, 'no conflict comes back');
});

test('the expiry of a mapping is a setting', async () => {
  const changed = await call('PATCH', '/tableMappings/CUSTOMER', admin, {
    conflictExpiryHours: 24,
  });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.conflictExpiryHours, 24);
  const refused = await call('PATCH', '/tableMappings/CUSTOMER', admin, { conflictExpiryHours: 0 });
  assert.equal(refused.status, 400);
});

test('kobling conflicts lists the inbox and resolves with a typed value or in bulk', async () => {
  const c = customers[0]!;
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 01' WHERE id = $1", [c.erpId]);
  assert.ok((await fx.user.update('accounts', c.crmId, { telephone1: '+47 02' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };

  const listed = await runKobling(['conflicts', '--json'], env);
  assert.equal(listed.code, 0, listed.output);
  const page = JSON.parse(listed.output);
  assert.equal(page.total, 1);
  const id = page.value[0].id;
  const text = await runKobling(['conflicts', '--mapping', 'CUSTOMER'], env);
  assert.match(text.output, /\n1 open conflict of CUSTOMER\n/);
  assert.match(
    text.output,
    /CUSTOMER Customer C1 Customer 1 ⇄ account Customer 1 +phoneNumber ⇄ telephone1/,
  );
  assert.doesNotMatch(text.output, new RegExp(c.crmId), 'records by name, not by id');
  assert.match(text.output, /ERP "\+47 01" \(user, .*CRM "\+47 02" \(Sales app/);

  const usage = await runKobling(['conflicts', 'resolve', id, '--take', 'both'], env);
  assert.equal(usage.code, 2);
  assert.match(usage.output, /--take must be erp or crm/);
  const resolved = await runKobling(['conflicts', 'resolve', id, '--value', '+47 03'], env);
  assert.equal(resolved.code, 0, resolved.output);
  assert.match(resolved.output, /wrote erp and crm/);
  assert.deepEqual(
    (
      await fx.db.query<{ phone_number: string }>(
        'SELECT phone_number FROM erp.customers WHERE id = $1',
        [c.erpId],
      )
    ).rows[0]!.phone_number,
    '+47 03',
  );
  const account = await fx.client.retrieve<{ telephone1: string }>('accounts', c.crmId);
  assert.ok(account.ok);
  assert.equal(account.value.telephone1, '+47 03');
  const empty = await runKobling(
    ['conflicts', 'resolve', '--mapping', 'CUSTOMER', '--take', 'crm'],
    env,
  );
  assert.equal(empty.code, 1, empty.output);
  assert.match(empty.output, /conflict_not_found/);
  assert.match((await runKobling(['conflicts'], env)).output, /The conflict inbox is empty/);
});

test('reading the inbox ages out entries past the expiry into skipped records', async () => {
  const c = customers[1]!;
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 04' WHERE id = $1", [c.erpId]);
  assert.ok((await fx.user.update('accounts', c.crmId, { telephone1: '+47 05' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.equal((await call('GET', '/conflicts', reader)).json.total, 1);
  // The mapping's expiry is 24 hours now (set above): an entry detected 25 hours ago is overdue.
  await fx.db.query(
    "UPDATE integration.conflicts SET detected_at = now() - interval '25 hours' WHERE state = 'open'",
  );
  const read = await call('GET', '/conflicts', reader);
  assert.equal(read.json.agedOut, 1);
  assert.equal(read.json.total, 0);
  const skipped = await call('GET', '/skipped?mapping=CUSTOMER', reader);
  const row = skipped.json.value.find((s: { erpId: string }) => s.erpId === c.erpId);
  assert.ok(row, skipped.text);
  assert.match(row.lastErrorToCrm, /telephone1 .* was not resolved in time/);
  assert.equal(row.erpRecordLabel, 'C2 Customer 2', 'the ERP record as users know it');
});

test('an entry whose CRM record was deleted shows it by id, "(deleted)"; the ERP record by name', async () => {
  const c = customers[2]!;
  await fx.db.query("UPDATE erp.customers SET phone_number = '+47 06' WHERE id = $1", [c.erpId]);
  assert.ok((await fx.user.update('accounts', c.crmId, { telephone1: '+47 07' })).ok);
  await runMapping(fx.ctx, fx.mapping('CUSTOMER'));
  assert.ok((await fx.client.delete('accounts', c.crmId)).ok);
  const read = await call('GET', '/conflicts', reader);
  assert.equal(read.json.total, 1, read.text);
  const e = read.json.value[0];
  assert.equal(e.crmId, c.crmId);
  assert.equal(e.crmName, null, 'no longer exists');
  assert.equal(e.erpName, 'C3 Customer 3');
  const env = { DATABASE_URL: fx.db.url, KOBLING_SECRET_KEY: 'k'.repeat(40) };
  const text = await runKobling(['conflicts'], env);
  assert.equal(text.code, 0, text.output);
  assert.match(
    text.output,
    new RegExp(`Customer C3 Customer 3 ⇄ account ${c.crmId} \\(deleted\\)`),
  );
  // Resolving it in bulk cannot write the deleted record: listed, and the command exits 1.
  const bulk = await runKobling(['conflicts', 'resolve', '--ids', e.id, '--take', 'erp'], env);
  assert.equal(bulk.code, 1, bulk.output);
  assert.match(bulk.output, /Resolved 0 entr\(y\/ies\) with the ERP value; 1 could not be:/);
  assert.match(
    bulk.output,
    /error \[conflicts_not_resolved\]: 1 entr\(y\/ies\) could not be resolved; see above/,
  );
});
