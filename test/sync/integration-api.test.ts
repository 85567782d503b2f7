import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callJson, listenOnLoopback, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
let server: TestServer;
let admin: string;
let processor: string;
let reader: string;
const SECRET = 'very-secret-value-1234567890';

before(async () => {
  fx = await startSyncFixture();
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  admin = await server.tokenFor('admin');
  processor = await server.tokenFor('orderProcessor');
  reader = await server.tokenFor('readOnly');
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const call = (method: string, path: string, token: string, body?: unknown) =>
  callJson(`${server.baseUrl}/api/integration/v1${path}`, method, token, body);

test('connection setup: the secret is stored encrypted and never returned; only admins change it', async () => {
  const integration = fx.ctx.crm;
  assert.ok(integration);
  const patch = fx.connection;
  const denied = await call('PATCH', '/connection', processor, patch);
  assert.equal(denied.status, 403);
  const saved = await call('PATCH', '/connection', admin, patch);
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.json.hasClientSecret, true);
  assert.equal(saved.text.includes(fx.credentials.clientSecret), false);
  const read = await call('GET', '/connection', reader);
  assert.equal(read.text.includes(fx.credentials.clientSecret), false);
  const stored = await fx.db.query<{ client_secret_enc: string }>(
    'SELECT client_secret_enc FROM integration.connection',
  );
  assert.equal(stored.rows[0]!.client_secret_enc.includes(fx.credentials.clientSecret), false);
  const bad = await call('PATCH', '/connection', admin, {
    crmUrl: 'ftp://nope',
    clientSecret: SECRET,
    extra: 1,
  });
  assert.equal(bad.status, 400);
});

test('test and enable: enabling creates the default mappings', async () => {
  const tested = await call('POST', '/connection/test', admin);
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.json.ok, true);
  assert.equal(tested.json.authenticated, true);
  assert.match(tested.json.version, /^9\./);
  await fx.db.query("UPDATE erp.general_setup SET local_currency_code = 'NOK'");
  const mismatch = await call('POST', '/connection/test', admin);
  assert.equal(mismatch.json.ok, false);
  assert.match(
    mismatch.json.problems.join(),
    /base currency of Dynamics 365 Sales \(EUR\) is not the ERP's local currency \(NOK\)/,
  );
  assert.equal(
    (await call('POST', '/connection/enable', admin)).json.error.code,
    'connection_test_failed',
  );
  await fx.db.query("UPDATE erp.general_setup SET local_currency_code = 'EUR'");
  await fx.db.query('DELETE FROM integration.table_mappings');
  const enabled = await call('POST', '/connection/enable', admin);
  assert.equal(enabled.status, 200, enabled.text);
  assert.equal(enabled.json.connection.enabled, true);
  assert.equal(enabled.json.createdMappings, 16);
  const list = await call('GET', '/tableMappings', reader);
  const names = list.json.value.map((m: { name: string }) => m.name);
  assert.ok(
    names.includes('CUSTOMER') &&
      names.includes('SALESORDER-ORDER') &&
      names.includes('UNIT GROUP'),
  );
});

test('mapping changes are validated with every problem reported; restore default undoes changes', async () => {
  const invalid = await call('PATCH', '/tableMappings/CUSTOMER', admin, {
    deletionConflict: 'RemoveCoupling',
    syncOnlyCoupled: false,
    dependencyFilter: 'NOPE',
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json.error.code, 'mapping_invalid');
  const codes = invalid.json.error.details.map((i: { code: string }) => i.code).sort();
  assert.deepEqual(codes, ['remove_coupling_recreates', 'unknown_dependency']);
  const unknown = await call('PATCH', '/tableMappings/CUSTOMER', admin, { colour: 'red' });
  assert.equal(unknown.json.error.code, 'unknown_field');
  const changed = await call('PATCH', '/tableMappings/CUSTOMER', admin, {
    jobIntervalMinutes: 5,
    updateConflict: 'SendUpdate',
  });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.jobIntervalMinutes, 5);
  const fields = await call('GET', '/tableMappings/CUSTOMER/fieldMappings', reader);
  const badFields = [
    ...fields.json.value,
    { erpField: 'shoeSize', crmField: 'name', direction: 'Bidirectional' },
  ];
  const rejected = await call('PUT', '/tableMappings/CUSTOMER/fieldMappings', admin, badFields);
  assert.equal(rejected.status, 400);
  assert.match(rejected.json.error.message, /has no field 'shoeSize'/);
  const restored = await call('POST', '/tableMappings/CUSTOMER/restoreDefault', admin);
  assert.equal(restored.json.jobIntervalMinutes, 30);
  assert.equal(restored.json.updateConflict, 'ask', 'a new bidirectional mapping asks');
  assert.equal((await call('GET', '/tableMappings/NOPE', reader)).status, 404);
});

test('couple by CRM name, create in CRM, synchronize now, and read jobs and errors', async () => {
  await fx.db.query(
    `INSERT INTO erp.salespeople (code, display_name) VALUES ('LM', 'Linda Martin')`,
  );
  const lm = await fx.db.query<{ id: string }>("SELECT id FROM erp.salespeople WHERE code = 'LM'");
  const c = await fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, salesperson_code) VALUES ('C20000', 'Trey Research', 'LM') RETURNING id`,
  );
  const customerId = c.rows[0]!.id;
  const early = await call('POST', '/createInCrm', processor, {
    mapping: 'CUSTOMER',
    erpIds: [customerId],
  });
  assert.equal(early.status, 200);
  assert.match(
    early.json.failed[0].message,
    /salespeople 'LM' \(mapping SALESPEOPLE\) must be coupled/,
  );
  // numberOfErrors counts the open record errors, as `kobling errors` lists them.
  const errorsOf = async () => {
    const one = (await call('GET', '/tableMappings/CUSTOMER', reader)).json.numberOfErrors;
    const list = (await call('GET', '/tableMappings', reader)).json.value;
    assert.equal(list.find((m: { name: string }) => m.name === 'CUSTOMER').numberOfErrors, one);
    return one;
  };
  assert.equal(await errorsOf(), 1);
  // The same record failing again is still one open error, its latest failure with the attempts;
  // the history keeps every failure.
  for (let i = 0; i < 2; i++)
    assert.equal(
      (await call('POST', '/createInCrm', processor, { mapping: 'CUSTOMER', erpIds: [customerId] }))
        .json.failed.length,
      1,
    );
  assert.equal(await errorsOf(), 1);
  const openOnce = await call('GET', '/errors?mapping=CUSTOMER&$count=true', reader);
  assert.equal(openOnce.json.value.length, 1, openOnce.text);
  assert.equal(openOnce.json.value[0].attempts, 3);
  assert.equal(openOnce.json['@odata.count'], 1);
  const history = await call('GET', '/errors?mapping=CUSTOMER&all=true', reader);
  assert.equal(
    history.json.value.filter((e: { erpId: string }) => e.erpId === customerId).length,
    3,
  );
  assert.equal(
    openOnce.json.value[0].id,
    Math.max(...history.json.value.map((e: { id: number }) => e.id)),
    'the latest failure',
  );

  const coupled = await call('POST', '/couplings', processor, {
    mapping: 'SALESPEOPLE',
    erpId: lm.rows[0]!.id,
    crmName: 'Linda M',
  });
  assert.equal(coupled.status, 201, coupled.text);
  const nobody = await call('POST', '/couplings', processor, {
    mapping: 'SALESPEOPLE',
    erpId: lm.rows[0]!.id,
    crmName: 'Nobody Here',
  });
  assert.equal(nobody.status, 404);
  const noAccount = await call('POST', '/couplings', processor, {
    mapping: 'CUSTOMER',
    erpId: customerId,
    crmName: 'No Such Account',
  });
  assert.equal(noAccount.status, 404);
  assert.equal(
    noAccount.json.error.message,
    "An account named 'No Such Account' does not exist in Dynamics 365 Sales",
  );

  const created = await call('POST', '/createInCrm', processor, {
    mapping: 'CUSTOMER',
    erpIds: [customerId],
  });
  assert.equal(created.json.created.length, 1, created.text);
  const couplings = await call('GET', `/couplings?mapping=CUSTOMER&erpId=${customerId}`, reader);
  assert.equal(couplings.json.value.length, 1);
  assert.equal(couplings.json.value[0].crmId, created.json.created[0].crmId);

  await fx.db.query("UPDATE erp.customers SET city = 'Lisbon' WHERE id = $1", [customerId]);
  const now = await call('POST', '/synchronizeNow', processor, {
    mapping: 'CUSTOMER',
    erpIds: [customerId],
    direction: 'send',
  });
  assert.equal(now.status, 200, now.text);
  assert.equal(now.json.records[0].outcome, 'synchronized');
  const account = await fx.client.retrieve<{ address1_city: string }>(
    'accounts',
    created.json.created[0].crmId,
  );
  assert.ok(account.ok);
  assert.equal(account.value.address1_city, 'Lisbon');

  const readerDenied = await call('POST', '/synchronizeNow', reader, {
    mapping: 'CUSTOMER',
    erpIds: [customerId],
    direction: 'send',
  });
  assert.equal(readerDenied.status, 403);
  // An id the ERP does not know is not "not coupled": the whole request is refused, nothing runs.
  const jobsBefore = await fx.db.query('SELECT count(*)::int AS n FROM integration.sync_jobs');
  const unknownId = '0d6c1f0e-5b7a-4c1e-9a3b-2f4d5e6a7b8c';
  const unknown = await call('POST', '/synchronizeNow', processor, {
    mapping: 'CUSTOMER',
    erpIds: [customerId, unknownId],
    direction: 'send',
  });
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal(unknown.json.error.code, 'not_found');
  assert.match(unknown.json.error.message, new RegExp(unknownId));
  const jobsAfter = await fx.db.query('SELECT count(*)::int AS n FROM integration.sync_jobs');
  assert.deepEqual(jobsAfter.rows, jobsBefore.rows);
  const badDirection = await call('POST', '/synchronizeNow', processor, {
    mapping: 'CURRENCY',
    erpIds: [customerId],
    direction: 'get',
  });
  assert.equal(badDirection.json.error.code, 'invalid_direction');

  const jobs = await call('GET', '/jobs?mapping=CUSTOMER', reader);
  assert.ok(jobs.json.value.length >= 2);
  // The customer was created and synchronized since: its error is history, not open.
  const open = await call('GET', '/errors?mapping=CUSTOMER', reader);
  assert.deepEqual(open.json.value, []);
  const errors = await call('GET', '/errors?mapping=CUSTOMER&all=true', reader);
  assert.ok(
    errors.json.value.some(
      (e: { message: string; settled: boolean }) => /must be coupled/.test(e.message) && e.settled,
    ),
  );
  const job = await call('GET', `/jobs/${errors.json.value[0].jobId}`, reader);
  assert.equal(job.json.errors.length, 1);
  assert.equal(errors.json.value.length, 3, 'every failure in the history');
  // Settled since: no longer counted, though the jobs counted the failure.
  assert.equal(await errorsOf(), 0);
  const failed = await fx.db.query<{ n: number }>(
    "SELECT sum(failed)::int AS n FROM integration.sync_jobs WHERE mapping_name = 'CUSTOMER'",
  );
  assert.ok(failed.rows[0]!.n >= 1);
});

test('background work: createInCrm queued as a job, followed to its result; skipped records retried', async () => {
  const { buildServer } = await import('../../src/server/app.ts');
  const { startJobQueue, startWorkers } = await import('../../src/db/job-queue.ts');
  const { syncJobs } = await import('../../src/integration/sync-jobs.ts');
  const boss = await startJobQueue(fx.db, server.ctx.logger);
  const ctx = { ...server.ctx, boss };
  await startWorkers(boss, syncJobs(ctx, boss), {
    concurrency: 1,
    logger: ctx.logger,
    pollingIntervalSeconds: 0.5,
  });
  const app = await buildServer(ctx);
  const base = `${await listenOnLoopback(app)}/api/integration/v1`;
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${processor}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  try {
    const c = await fx.db.query<{ id: string }>(
      `INSERT INTO erp.customers (number, display_name) VALUES ('C40000', 'Alpine Ski House') RETURNING id`,
    );
    const queued = await post('/createInCrm', {
      mapping: 'CUSTOMER',
      erpIds: [c.rows[0]!.id],
      background: true,
    });
    assert.equal(queued.status, 202);
    const { jobId, status } = (await queued.json()) as { jobId: string; status: string };
    assert.match(status, new RegExp(jobId));
    let job: { state: string; result: { created: unknown[] } | null } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/backgroundJobs/${jobId}`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      job = (await res.json()) as typeof job;
      if (job?.state === 'completed' || job?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(job?.state, 'completed');
    assert.equal(job?.result?.created.length, 1);

    const coupling = await fx.db.query<{ id: string }>(
      'SELECT id FROM integration.couplings WHERE erp_id = $1',
      [c.rows[0]!.id],
    );
    await fx.db.query(
      "UPDATE integration.couplings SET skipped = true, last_result_to_crm = 'Failure' WHERE id = $1",
      [coupling.rows[0]!.id],
    );
    await fx.db.query("UPDATE erp.customers SET city = 'Zermatt' WHERE id = $1", [c.rows[0]!.id]);
    // A run of the mapping does not retry it, and its answer says so, with how.
    const run = await post('/tableMappings/CUSTOMER/run', {});
    assert.equal(run.status, 202);
    const ran = (await run.json()) as { skippedRecords?: number; skippedMessage?: string };
    assert.equal(ran.skippedRecords, 1);
    assert.match(
      ran.skippedMessage ?? '',
      /^1 skipped record is not retried automatically .*POST \/api\/integration\/v1\/skipped\/retry \{"mapping":"CUSTOMER"\} \(kobling skipped retry --mapping CUSTOMER\)$/,
    );
    // Every skipped record of the mapping, by its name.
    const retried = await post('/skipped/retry', { mapping: 'CUSTOMER' });
    const body = (await retried.json()) as {
      restored: number;
      results: { records: { outcome: string }[] }[];
    };
    assert.equal(body.restored, 1, JSON.stringify(body));
    assert.equal(body.results[0]!.records[0]!.outcome, 'synchronized');
    const none = await post('/skipped/restore', { mapping: 'CUSTOMER' });
    assert.deepEqual(await none.json(), {
      restored: 0,
      message: 'No skipped records of CUSTOMER: nothing restored',
    });
    const both = await post('/skipped/restore', { mapping: 'CUSTOMER', couplingIds: [] });
    assert.equal(both.status, 400);
  } finally {
    await app.close();
    await boss.stop({ graceful: false, wait: true });
  }
});
