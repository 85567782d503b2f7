import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { basicCompany } from '../erp/fixtures.ts';
import { crmToken } from '../helpers/crm-emulator.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

/**
 * A table-driven sweep of bad input over the three APIs (ERP API, integration API, CRM emulator):
 * every case must be answered with a 4xx in the API's error shape `{"error":{"code","message"}}`
 * (400 unless the case says otherwise), none with a 5xx, and no row of any schema may change.
 */

type Api = 'erp' | 'integration' | 'crm';

interface Case {
  readonly name: string;
  readonly api: Api;
  readonly method?: string;
  /** Below the API's base URL (`customers`, `/jobs?…`, `accounts`), already percent-encoded. */
  readonly path: string;
  /** A JSON value, or raw JSON text when a string (to send lone surrogates as `\ud800`). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status?: number;
}

const NUL = '\u0000';
const PAST_2_53 = '9007199254740993';
const q = (s: string) => encodeURIComponent(s);

const cases = (ids: { customer: string; account: string }): Case[] => [
  // ERP API (Business Central API v2.0)
  {
    name: 'NUL in a string',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: { displayName: `a${NUL}b` },
  },
  {
    name: 'lone surrogate',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: '{"displayName":"a\\ud800b"}',
  },
  {
    name: 'NUL in an update',
    api: 'erp',
    method: 'PATCH',
    path: `customers(${ids.customer})`,
    body: { displayName: `x${NUL}` },
    headers: { 'if-match': '*' },
  },
  {
    name: 'NUL in a property name',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: { [`display${NUL}Name`]: 'x' },
  },
  {
    name: 'NUL in $filter',
    api: 'erp',
    path: `customers?$filter=${q(`displayName eq 'a${NUL}'`)}`,
  },
  { name: 'NUL in a key', api: 'erp', path: `customers(${q(NUL)})` },
  {
    name: '$filter date 2026-02-29',
    api: 'erp',
    path: `customers?$filter=${q('lastModifiedDateTime gt 2026-02-29T00:00:00Z')}`,
  },
  {
    name: '$filter date 0000-01-01',
    api: 'erp',
    path: `salesInvoices?$filter=${q('dueDate lt 0000-01-01')}`,
  },
  {
    name: '$filter string date 2026-02-30',
    api: 'erp',
    path: `salesInvoices?$filter=${q("dueDate eq '2026-02-30'")}`,
  },
  {
    name: '$filter number 1e999',
    api: 'erp',
    path: `customers?$filter=${q('creditLimit gt 1e999')}`,
  },
  {
    name: '$filter lone surrogate',
    api: 'erp',
    path: `customers?$filter=${q("displayName eq '")}%ED%A0%80'`,
  },
  {
    name: 'negative line discount %',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: {
      customerNumber: 'C-EUR',
      salesOrderLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1, discountPercent: -5 },
      ],
    },
  },
  {
    name: 'negative line discount amount',
    api: 'erp',
    method: 'POST',
    path: 'salesQuotes',
    body: {
      customerNumber: 'C-EUR',
      salesQuoteLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1, discountAmount: -10 },
      ],
    },
  },
  {
    name: 'negative invoice discount',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: { customerNumber: 'C-EUR', discountAmount: -1 },
  },
  {
    name: 'quantity 1e30',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: {
      customerNumber: 'C-EUR',
      salesOrderLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1e30 }],
    },
  },
  {
    name: 'quantity × price beyond the largest amount (1e3 × 1e14)',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: {
      customerNumber: 'C-EUR',
      salesOrderLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1000, unitPrice: 1e14 },
      ],
    },
    status: 422,
  },
  {
    name: 'quantity 1e15 as text',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: {
      customerNumber: 'C-EUR',
      salesOrderLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: '1000000000000000' },
      ],
    },
  },
  {
    name: 'unit price 1e16',
    api: 'erp',
    method: 'POST',
    path: 'items',
    body: { displayName: 'Too dear', unitPrice: 1e16 },
  },
  {
    name: 'number past 2^53',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: `{"displayName":"Big","creditLimit":${PAST_2_53}}`,
  },
  {
    name: 'credit limit not a number',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: { displayName: 'Words', creditLimit: 'lots' },
  },
  {
    name: 'credit limit -1',
    api: 'erp',
    method: 'POST',
    path: 'customers',
    body: { displayName: 'Negative', creditLimit: -1 },
  },
  {
    name: 'document date 2026-02-30',
    api: 'erp',
    method: 'POST',
    path: 'salesOrders',
    body: { customerNumber: 'C-EUR', orderDate: '2026-02-30' },
  },
  {
    name: 'document date 0000-01-01',
    api: 'erp',
    method: 'POST',
    path: 'salesQuotes',
    body: { customerNumber: 'C-EUR', documentDate: '0000-01-01' },
  },
  {
    name: 'payment of 1e30',
    api: 'erp',
    method: 'POST',
    path: 'customerPayments',
    body: { customerNumber: 'C-EUR', amount: 1e30 },
  },
  { name: 'URL that cannot be decoded', api: 'erp', path: 'customers%zz' },
  { name: 'huge $skip', api: 'erp', path: 'customers?$skip=100000000000000000000' },
  { name: 'huge $top', api: 'erp', path: 'customers?$top=100000000000000000000' },
  { name: 'NUL in $select', api: 'erp', path: `customers?$select=${q(NUL)}` },
  { name: 'NUL in $orderby', api: 'erp', path: `customers?$orderby=${q(`number${NUL}`)}` },
  // Integration API
  { name: 'NUL in a query parameter', api: 'integration', path: `/jobs?mapping=${q(`A${NUL}`)}` },
  {
    name: 'NUL in a body string',
    api: 'integration',
    method: 'POST',
    path: '/couplings',
    body: { mapping: 'SALESPEOPLE', erpId: ids.customer, crmName: `a${NUL}` },
  },
  {
    name: 'lone surrogate in a body',
    api: 'integration',
    method: 'POST',
    path: '/couplings',
    body: `{"mapping":"SALESPEOPLE","erpId":"${ids.customer}","crmName":"\\udc00"}`,
  },
  {
    name: 'number past 2^53',
    api: 'integration',
    method: 'PATCH',
    path: '/tableMappings/CUSTOMER',
    body: `{"jobIntervalMinutes":${PAST_2_53}}`,
  },
  {
    name: 'OData in a CRM filter field',
    api: 'integration',
    method: 'PATCH',
    path: '/tableMappings/CUSTOMER',
    body: { crmFilter: [{ field: "name eq 'x' or statecode", op: 'eq', value: 0 }] },
  },
  {
    name: 'unknown CRM filter column',
    api: 'integration',
    method: 'PATCH',
    path: '/tableMappings/CUSTOMER',
    body: { crmFilter: [{ field: 'colour', op: 'eq', value: 'red' }] },
  },
  {
    name: 'unknown ERP filter field',
    api: 'integration',
    method: 'PATCH',
    path: '/tableMappings/CUSTOMER',
    body: { erpFilter: [{ field: 'colour', op: 'eq', value: 'red' }] },
  },
  {
    name: 'NUL in a filter value',
    api: 'integration',
    method: 'PATCH',
    path: '/tableMappings/CUSTOMER',
    body: { crmFilter: [{ field: 'name', op: 'eq', value: NUL }] },
  },
  { name: 'URL that cannot be decoded', api: 'integration', path: '/jobs%zz' },
  // CRM emulator (Dataverse Web API v9.2)
  {
    name: 'NUL in a string',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: `a${NUL}b` },
  },
  {
    name: 'lone surrogate',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: '{"name":"a\\ud800b"}',
  },
  {
    name: 'NUL in an update',
    api: 'crm',
    method: 'PATCH',
    path: `accounts(${ids.account})`,
    body: { name: NUL },
  },
  { name: 'NUL in $filter', api: 'crm', path: `accounts?$filter=${q(`name eq 'a${NUL}'`)}` },
  { name: 'NUL in an alternate key', api: 'crm', path: `accounts(accountnumber='${q(NUL)}')` },
  {
    name: '$filter date 2026-02-29',
    api: 'crm',
    path: `accounts?$filter=${q('createdon gt 2026-02-29T00:00:00Z')}`,
  },
  {
    name: '$filter date 0000-01-01',
    api: 'crm',
    path: `accounts?$filter=${q('createdon gt 0000-01-01')}`,
  },
  {
    name: 'huge LastXDays',
    api: 'crm',
    path: `accounts?$filter=${q("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=99999999999)")}`,
  },
  {
    name: 'Between with bad dates',
    api: 'crm',
    path: `accounts?$filter=${q("Microsoft.Dynamics.CRM.Between(PropertyName='createdon',PropertyValues=['2026-13-45','x'])")}`,
  },
  {
    name: 'On a day that does not exist',
    api: 'crm',
    path: `accounts?$filter=${q("Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='2026-02-30')")}`,
  },
  {
    name: 'huge $deltatoken',
    api: 'crm',
    path: 'accounts?$deltatoken=99999999999999999999999',
    headers: { prefer: 'odata.track-changes' },
  },
  {
    name: 'huge $skiptoken page',
    api: 'crm',
    path: `accounts?$skiptoken=${q('<cookie pagenumber="99999999999999999999" />')}`,
  },
  { name: 'huge $top', api: 'crm', path: 'accounts?$top=100000000000000000000' },
  {
    name: 'creditlimit -1',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: 'x', creditlimit: -1 },
  },
  {
    name: 'creditlimit 1e300',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: 'x', creditlimit: 1e300 },
  },
  {
    name: 'number past 2^53',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: `{"name":"x","numberofemployees":${PAST_2_53}}`,
  },
  {
    name: 'integer beyond 32 bits',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: 'x', numberofemployees: 2 ** 40 },
  },
  {
    name: 'datetime 2026-02-30 (no roll-over)',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: 'x', overriddencreatedon: '2026-02-30T00:00:00Z' },
  },
  {
    name: 'date only 2026-02-30',
    api: 'crm',
    method: 'POST',
    path: 'nav_accountstatisticses',
    body: { nav_name: 'x', nav_overdueamountsasofdate: '2026-02-30' },
  },
  {
    name: 'date before 1753',
    api: 'crm',
    method: 'POST',
    path: 'accounts',
    body: { name: 'x', overriddencreatedon: '1200-01-01T00:00:00Z' },
  },
  { name: 'URL that cannot be decoded', api: 'crm', path: 'accounts(%zz)' },
];

let fx: SyncFixture;
let server: TestServer;
let tokens: Record<Api, string>;
let bases: Record<Api, string>;
let ids: { customer: string; account: string };

before(async () => {
  fx = await startSyncFixture();
  const { companyId } = await basicCompany(fx.db);
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  const admin = await server.tokenFor('admin');
  const crm = await crmToken(fx.emulator, fx.credentials.clientId, fx.credentials.clientSecret);
  tokens = { erp: admin, integration: admin, crm };
  bases = {
    erp: `${server.baseUrl}/api/v2.0/companies(${companyId})/`,
    integration: `${server.baseUrl}/api/integration/v1`,
    crm: fx.emulator.apiUrl,
  };
  const customers = await fetch(`${bases.erp}customers?$top=1`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const account = await fetch(`${bases.crm}accounts`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${crm}`,
      'content-type': 'application/json',
      prefer: 'return=representation',
    },
    body: JSON.stringify({ name: 'Existing account' }),
  });
  ids = {
    customer: ((await customers.json()) as { value: { id: string }[] }).value[0]!.id,
    account: ((await account.json()) as { accountid: string }).accountid,
  };
});
after(async () => {
  await server?.close();
  await fx?.close();
});

/** Row counts of every table of the parts' schemas, in one statement. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await fx.db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname IN ('erp', 'crm', 'integration', 'flows') ORDER BY 1`,
  );
  const sql = tables.rows
    .map((t, i) => `(SELECT count(*)::int FROM ${t.name}) AS c${i}`)
    .join(', ');
  const r = await fx.db.query<Record<string, number>>(`SELECT ${sql}`);
  return Object.fromEntries(tables.rows.map((t, i) => [t.name, r.rows[0]![`c${i}`]!]));
}

async function send(c: Case): Promise<{ status: number; text: string }> {
  const body =
    c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const res = await fetch(`${bases[c.api]}${c.path}`, {
    method: c.method ?? 'GET',
    headers: {
      authorization: `Bearer ${tokens[c.api]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...c.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const isErrorShape = (text: string): boolean => {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e.message === 'string' && e.message !== '';
  } catch {
    return false;
  }
};

test('every bad input is a 4xx in the error shape, never a 5xx, and changes nothing', async () => {
  const before = await rowCounts();
  const wrong: string[] = [];
  for (const c of cases(ids)) {
    const r = await send(c);
    const expected = c.status ?? 400;
    if (r.status !== expected || !isErrorShape(r.text))
      wrong.push(`${c.api}: ${c.name} → ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(wrong, [], `${wrong.length} case(s) answered wrongly:\n${wrong.join('\n')}`);
  assert.deepEqual(await rowCounts(), before, 'bad input changed rows');
});

/** Sends a request with a header far beyond Node's limit (16 KiB), over a raw HTTP request. */
function hugeHeader(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'x-big': 'a'.repeat(40_000) } }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('431 and undecodable URLs keep the error shape on both servers', async () => {
  for (const url of [`${server.baseUrl}/health`, `${fx.emulator.apiUrl}accounts`]) {
    const r = await hugeHeader(url);
    assert.equal(r.status, 431, url);
    assert.ok(isErrorShape(r.text), `${url}: ${r.text}`);
  }
  for (const form of [
    `grant_type=client_credentials&client_id=${q(NUL)}&client_secret=x&scope=${q(`${fx.emulator.baseUrl}/.default`)}`,
  ]) {
    const token = await fetch(fx.emulator.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    assert.equal(token.status, 400, await token.clone().text());
    assert.equal(((await token.json()) as { error: string }).error, 'unauthorized_client');
  }
  const basic = await fetch(fx.emulator.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('%zz:%zz').toString('base64')}`,
    },
    body: `grant_type=client_credentials&scope=${q(`${fx.emulator.baseUrl}/.default`)}`,
  });
  assert.equal(basic.status, 400);
  const bad = await fetch(`${server.baseUrl}/api/%zz`);
  assert.equal(bad.status, 400);
  assert.ok(isErrorShape(await bad.text()));
});
