import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Db, openDb } from '../../src/db/db.ts';
import { expectedTotal } from '../../src/integration/full-sync/full-sync-lines.ts';
import type { ReviewLine } from '../../src/integration/full-sync/full-sync-service.ts';
import { updateItemAvailability } from '../../src/integration/item-availability.ts';
import { runMappingJob } from '../../src/integration/sync-jobs.ts';
import { openEngine } from '../../src/integration/sync-runtime.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { listMappings } from '../../src/sync/mappings/mapping-repo.ts';
import { freePort, type KoblingProcess, spawnKobling } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { testConfig } from '../helpers/server.ts';

/**
 * The demo as a new user meets it: `kobling start` on a new database (demo data, connection to
 * the bundled emulator, the first start's coupling), then the README's walk-through run as
 * written, then every default mapping run in both directions like a full synchronization. Nothing
 * may fail, and every mapping must have moved records.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET_KEY = 'd'.repeat(40);
const CRM_CLIENT = { id: '6f1c5a2e-4b8d-4c1e-9a7f-2d3e4f5a6b7c', secret: 'demo-client-secret-123' };

let database: TestDatabase;
let db: Db;
let kobling: KoblingProcess;
let port: number;
let crmPort: number;
let stdout = '';

const env = () => ({
  DATABASE_URL: database.url,
  PORT: String(port),
  KOBLING_CRM_PORT: String(crmPort),
  KOBLING_SECRET_KEY: SECRET_KEY,
  KOBLING_ADMIN_PASSWORD: 'demo-admin-password',
  KOBLING_CRM_CLIENT_ID: CRM_CLIENT.id,
  KOBLING_CRM_CLIENT_SECRET: CRM_CLIENT.secret,
});

before(async () => {
  database = await createTestDatabase('demo');
  [port, crmPort] = [await freePort(), await freePort()];
  kobling = spawnKobling(['start'], {
    ...env(),
    KOBLING_LOG_LEVEL: process.env.DEMO_LOG ?? 'info',
  });
  kobling.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  await kobling.waitFor(/Press Ctrl\+C to stop/, 240_000);
  db = openDb(database.url, { max: 3 });
});
after(async () => {
  await kobling?.stop();
  await db?.close();
  await database?.drop();
});

const one = async <T>(sql: string, params: unknown[] = []) =>
  (await db.query<T & Record<string, unknown>>(sql, params)).rows[0]!;

/** The distinct error messages logged so far, with their mapping. */
const errorMessages = async () =>
  (
    await db.query<{ m: string }>(
      "SELECT DISTINCT mapping_name || ': ' || left(message, 200) AS m FROM integration.sync_errors ORDER BY 1",
    )
  ).rows.map((r) => r.m);

/** Runs a shell script with bash; curl fails on HTTP errors so a 4xx stops the script. */
function bash(script: string, extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        KOBLING_LOG_LEVEL: 'info',
        ...env(),
        ...extraEnv,
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** The shell blocks of the README's walk-through, in order. */
function walkThrough(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Walk-through');
  assert.ok(start >= 0, 'the README has a walk-through');
  const rest = readme.slice(start + 1);
  const end = rest.search(/\n#{2,3} /);
  const section = end >= 0 ? rest.slice(0, end) : rest;
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 4, 'the walk-through has its command blocks');
  return blocks.join('\n');
}

test('the first start prints only its banner on stdout, without the CRM secret, and couples the demo with no failure', async () => {
  for (const line of stdout.split('\n').filter(Boolean))
    assert.doesNotMatch(line, /^\{"level"/, `a log line on stdout: ${line}`);
  assert.match(stdout, /Demo data {5}Integration: coupled by matching/);
  assert.ok(!stdout.includes(CRM_CLIENT.secret), 'the CRM client secret is not in the banner');
  assert.deepEqual(await errorMessages(), [], 'the demo coupling failed nothing');
  const jobs = await one<{ n: number }>(
    "SELECT count(*)::int AS n FROM integration.sync_jobs WHERE trigger = 'schedule'",
  );
  assert.equal(jobs.n, 0, 'no scheduled burst right after the start');
});

test('`kobling token create` prints only the token', async () => {
  const r = await bash('npx kobling token create --user admin');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^kbl_\S+\n$/);
});

test("the README's walk-through runs as written against the started system", async () => {
  const script = walkThrough().replaceAll('localhost:8080', `localhost:${port}`);
  // Errors stop the script: any failing command, and any HTTP answer ≥ 400.
  const prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n';
  const r = await bash(prelude + script);
  assert.equal(r.code, 0, `walk-through failed:\n${r.out}\n${r.err}`);
  assert.doesNotMatch(r.out, /"failed":\[\{/, `a record failed:\n${r.out}`);
  // The first start coupled the reference data: matching again opens no job and says so, in the
  // names users know the records by.
  const matched = r.out
    .split('\n')
    .filter((l) => l.startsWith('{"mapping":'))
    .map((l) => JSON.parse(l) as { mapping: string; jobId: string | null; message: string });
  assert.equal(matched.length, 9, r.out);
  for (const m of matched) {
    assert.equal(m.jobId, null, JSON.stringify(m));
    assert.match(
      m.message,
      /^Nothing to couple: every [A-Z][a-z]+(?: [A-Za-z]+)* record in the filter of mapping /,
    );
  }

  // The ERP-only customer is an account now, with its contacts under it.
  const customer = await one<{ crm_id: string }>(
    `SELECT c.crm_id FROM integration.couplings c JOIN erp.customers k ON k.id = c.erp_id
      WHERE k.number = 'C10100' AND c.state = 'coupled'`,
  );
  assert.ok(customer?.crm_id);
  const parents = await db.query<{ parent: string }>(
    `SELECT r.data->>'_parentcustomerid_value' AS parent FROM integration.couplings c
       JOIN erp.contacts p ON p.id = c.erp_id
       JOIN crm.records r ON r.entity = 'contact' AND r.id = c.crm_id
      WHERE p.company_number = 'CT000200'`,
  );
  assert.ok(parents.rows.length >= 1);
  for (const p of parents.rows) assert.equal(p.parent, customer.crm_id);
  // The CRM-only accounts are customers now, each with its company contact; their contacts hang
  // under those companies.
  const fromCrm = await db.query<{ company: string | null; parent_customer: string | null }>(
    `SELECT p.company_number AS company, k.customer_number AS parent_customer
       FROM crm.records r
       JOIN integration.couplings c ON c.crm_id = r.id AND c.mapping_name = 'CONTACT'
       JOIN erp.contacts p ON p.id = c.erp_id
       LEFT JOIN erp.contacts k ON k.number = p.company_number
      WHERE r.entity = 'contact' AND r.data->>'_createdby_value' <> $1`,
    [(await one<{ id: string }>('SELECT systemuser_id AS id FROM crm.app_clients')).id],
  );
  assert.equal(fromCrm.rows.length, 5);
  for (const r of fromCrm.rows) assert.ok(r.company && r.parent_customer, JSON.stringify(r));
  assert.deepEqual(await errorMessages(), [], 'nothing failed in the walk-through');
});

test('every default mapping synchronizes the demo data in both directions with zero failed records', async () => {
  const deps = {
    db,
    config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
    logger: createLogger('silent'),
  };
  const engine = await openEngine(deps);
  assert.ok(engine.ok, engine.ok ? '' : engine.error.message);
  const mappings = await listMappings(db);
  // Posted invoices go to the CRM by their flow ("Create invoice in Dynamics 365 Sales"); orders
  // only when they came from the CRM: one released order is coupled here with a CRM order a
  // salesperson entered (impersonated, as a user would).
  const admin = await adminToken();
  const numbers = (
    await db.query<{ number: string }>(
      'SELECT number FROM erp.sales_invoice_headers ORDER BY number',
    )
  ).rows.map((r) => r.number);
  // The flow's own job creates them shortly after the start; only when it has not yet are they
  // created here (both at once would race for the same invoices).
  const coupledInvoices = async () =>
    (
      await one<{ n: number }>(
        "SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'POSTEDSALESINV-INV' AND state = 'coupled'",
      )
    ).n;
  for (let i = 0; i < 120 && (await coupledInvoices()) < numbers.length; i++)
    await new Promise((resolve) => setTimeout(resolve, 1000));
  if ((await coupledInvoices()) < numbers.length) {
    const invoices = await fetch(
      `http://127.0.0.1:${port}/api/integration/v1/postedSalesInvoices/createInCrm`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ numbers }),
      },
    );
    assert.equal(invoices.status, 200, await invoices.clone().text());
  }
  const token = await crmToken();
  const user = await one<{ id: string }>(
    "SELECT id FROM crm.records WHERE entity = 'systemuser' AND data->>'fullname' = 'Annette Hill'",
  );
  const order = await one<{ id: string; account: string }>(
    `SELECT o.id, c.crm_id AS account FROM erp.sales_headers o
       JOIN erp.customers k ON k.number = o.customer_number
       JOIN integration.couplings c ON c.erp_id = k.id AND c.mapping_name = 'CUSTOMER'
      WHERE o.document_type = 'Order' AND o.status = 'Released' LIMIT 1`,
  );
  const res = await fetch(`http://127.0.0.1:${crmPort}/api/data/v9.2/salesorders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      MSCRMCallerID: user.id,
      Prefer: 'return=representation',
    },
    body: JSON.stringify({
      name: 'Demo order',
      'customerid_account@odata.bind': `/accounts(${order.account})`,
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const crmOrder = (await res.json()) as { salesorderid: string };
  await db.query(
    `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id, state)
     VALUES (gen_random_uuid(), 'SALESORDER-ORDER', 'salesOrders', $1, 'salesorder', $2, 'coupled')`,
    [order.id, crmOrder.salesorderid],
  );

  // A full synchronization: both watermarks cleared, uncoupled records created and coupled.
  await db.query(
    'UPDATE integration.table_mappings SET erp_watermark = NULL, crm_watermark = NULL',
  );
  const documents = new Set(['SALESORDER-ORDER', 'POSTEDSALESINV-INV']);
  for (const m of mappings) {
    // Under the mapping's lock, as the workers run it (the started system runs real-time too).
    for (;;) {
      const r = await runMappingJob(deps, {
        mapping: m.name,
        trigger: 'test',
        full: !documents.has(m.name),
      });
      if (!r.busy) {
        assert.ok(r.ran, `${m.name}: ${r.reason}`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const failedRuns = await db.query<{ mapping_name: string; message: string }>(
    "SELECT mapping_name, message FROM integration.sync_jobs WHERE status IN ('failed', 'crashed')",
  );
  assert.deepEqual(failedRuns.rows, []);

  const errors = await db.query<{ mapping_name: string; message: string }>(
    'SELECT mapping_name, message FROM integration.sync_errors ORDER BY id LIMIT 10',
  );
  assert.deepEqual(errors.rows, [], 'zero failed records');
  const failed = await one<{ n: number }>(
    'SELECT coalesce(sum(failed), 0)::int AS n FROM integration.sync_jobs',
  );
  assert.equal(failed.n, 0);
  const moved = await db.query<{ mapping_name: string; n: number }>(
    `SELECT mapping_name, sum(inserted + modified + coupled)::int AS n FROM integration.sync_jobs
      GROUP BY mapping_name`,
  );
  const byName = new Map(moved.rows.map((r) => [r.mapping_name, r.n]));
  for (const m of mappings)
    assert.ok((byName.get(m.name) ?? 0) >= 1, `${m.name} moved no record (${byName.get(m.name)})`);

  // Every customer (but the blocked one) and every person contact is coupled; CONTACT's parent is
  // the account of the contact's company's customer.
  const uncoupled = await one<{ customers: number; contacts: number }>(
    `SELECT (SELECT count(*)::int FROM erp.customers k WHERE btrim(k.blocked) = ''
               AND NOT EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_id = k.id)) AS customers,
            (SELECT count(*)::int FROM erp.contacts p WHERE p.type = 'Person'
               AND NOT EXISTS (SELECT 1 FROM integration.couplings c WHERE c.erp_id = p.id)) AS contacts`,
  );
  assert.deepEqual(uncoupled, { customers: 0, contacts: 0 });
  const wrongParent = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM integration.couplings cc
       JOIN erp.contacts p ON p.id = cc.erp_id
       JOIN erp.contacts k ON k.number = p.company_number
       JOIN erp.customers cu ON cu.number = k.customer_number
       JOIN integration.couplings ca ON ca.erp_id = cu.id AND ca.mapping_name = 'CUSTOMER'
       JOIN crm.records r ON r.entity = 'contact' AND r.id = cc.crm_id
      WHERE cc.mapping_name = 'CONTACT' AND r.data->>'_parentcustomerid_value' IS DISTINCT FROM ca.crm_id::text`,
  );
  assert.equal(wrongParent.n, 0);
  // Products are on the default price list, with a price list item per unit of their unit group.
  const products = await db.query<{
    number: string;
    list: string | null;
    items: number;
    units: number;
  }>(
    `SELECT r.data->>'productnumber' AS number, r.data->>'_pricelevelid_value' AS list,
            (SELECT count(*)::int FROM crm.records x WHERE x.entity = 'productpricelevel'
               AND x.data->>'_productid_value' = r.id::text
               AND x.data->>'_pricelevelid_value' = r.data->>'_pricelevelid_value') AS items,
            (SELECT count(*)::int FROM erp.item_units_of_measure u WHERE u.item_number = r.data->>'productnumber') +
            (SELECT count(*)::int FROM erp.resource_units_of_measure u WHERE u.resource_number = r.data->>'productnumber') AS units
       FROM crm.records r WHERE r.entity = 'product'`,
  );
  assert.equal(products.rows.length, 35);
  const defaultList = await one<{ id: string }>(
    'SELECT default_price_list_id::text AS id FROM integration.connection WHERE id = 1',
  );
  for (const p of products.rows) {
    assert.equal(p.list, defaultList.id, `${p.number} is on the default price list`);
    assert.equal(p.items, p.units, `${p.number} has a price list item per unit`);
  }
  const prices = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM integration.couplings WHERE mapping_name = 'SALESPRC-PRODPRICE' AND state = 'coupled'`,
  );
  assert.equal(
    prices.n,
    30,
    'every price group price (without a minimum quantity) is a price list item',
  );
});

test('the item availability job moves stock to the products, negative stock as 0, and only what differs', async () => {
  const deps = {
    db,
    config: testConfig({ KOBLING_SECRET_KEY: SECRET_KEY }),
    logger: createLogger('silent'),
  };
  const engine = await openEngine(deps);
  assert.ok(engine.ok);
  await updateItemAvailability(engine.value);
  await db.query("UPDATE erp.items SET inventory = 7 WHERE number = '1000'");
  await db.query("UPDATE erp.items SET inventory = -3 WHERE number = '1010'");
  const r = await updateItemAvailability(engine.value);
  assert.deepEqual({ modified: r.modified, failed: r.failed }, { modified: 2, failed: 0 });
  const stock = await db.query<{ number: string; q: string }>(
    `SELECT data->>'productnumber' AS number, data->>'quantityonhand' AS q FROM crm.records
      WHERE entity = 'product' AND data->>'productnumber' IN ('1000', '1010') ORDER BY 1`,
  );
  assert.deepEqual(
    stock.rows.map((x) => [x.number, Number(x.q)]),
    [
      ['1000', 7],
      ['1010', 0],
    ],
  );
  assert.equal((await updateItemAvailability(engine.value)).modified, 0);
});

test('the full synchronization of the demo (after the walk-through) finishes every line', async () => {
  const r = await bash('npx kobling sync full --json');
  const lines = JSON.parse(r.out) as {
    mapping: string;
    status: string;
    message?: string;
    erpCount: number;
    done: number;
  }[];
  const notDone = lines.filter((l) => !['Finished', 'NotNeeded'].includes(l.status));
  assert.deepEqual(notDone, [], r.err.slice(-2000));
  assert.equal(r.code, 0);
  // CONTACT counts the ERP contacts its filter lets through (persons with a company), which it
  // handles: its bar read …/213 and then 80/80 while the company contacts were counted too.
  const contact = lines.find((l) => l.mapping === 'CONTACT')!;
  const persons = await one<{ n: number }>(
    "SELECT count(*)::int AS n FROM erp.contacts WHERE type = 'Person' AND company_number IS NOT NULL",
  );
  assert.equal(contact.erpCount, persons.n);
  assert.equal(contact.done, contact.erpCount, 'the bar ends at its count');
  // Standard order mode: SALESORDER-ORDER only updates orders that came from the CRM (no line).
  assert.ok(!lines.some((l) => l.mapping === 'SALESORDER-ORDER'));
  assert.ok(lines.some((l) => l.mapping === 'POSTEDSALESINV-INV'));
});

test("a restart of CUSTOMER after Synchronize now sent the integration's own customers to their accounts ends at the total it showed, every record in a counter", async () => {
  // The customers the full synchronization created from CRM accounts: the integration's own,
  // coupled. Sent to their accounts, both sides are its writes, and neither pass reads them.
  const own = await db.query<{ id: string }>(
    `SELECT k.id FROM erp.customers k JOIN integration.couplings c ON c.erp_id = k.id
      WHERE c.mapping_name = 'CUSTOMER' AND k.modified_by = 'integration'`,
  );
  assert.ok(own.rows.length > 0, 'the demo has customers the integration created');
  const sent = await fetch(`http://127.0.0.1:${port}/api/integration/v1/synchronizeNow`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      mapping: 'CUSTOMER',
      erpIds: own.rows.map((r) => r.id),
      direction: 'send',
      confirmOverwrite: true,
    }),
  });
  assert.equal(sent.status, 200, await sent.clone().text());
  const r = await bash('npx kobling sync full --restart CUSTOMER --json');
  assert.equal(r.code, 0, r.err.slice(-2000));
  const line = (JSON.parse(r.out) as ReviewLine[]).find((l) => l.mapping === 'CUSTOMER')!;
  assert.equal(line.status, 'Finished', line.message ?? '');
  const shown = expectedTotal({ ...line, status: 'Running', total: null, done: 0 });
  assert.equal(
    line.done,
    shown,
    `the bar ends at the total it started with (${r.err.slice(-500)})`,
  );
  assert.equal(line.done, line.erpCount, 'every customer the review counted, each pair once');
  const counted = Object.values(line.counters).reduce((n, c) => n + c, 0);
  assert.equal(line.done, counted, 'what its counters add up to');
});

async function adminToken(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'demo-admin-password' }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

async function crmToken(): Promise<string> {
  const tenant = await one<{ id: string }>('SELECT tenant_id AS id FROM integration.connection');
  const res = await fetch(`http://127.0.0.1:${crmPort}/${tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CRM_CLIENT.id,
      client_secret: CRM_CLIENT.secret,
      scope: `http://127.0.0.1:${crmPort}/.default`,
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}
