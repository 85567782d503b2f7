import assert from 'node:assert/strict';
import { ensureCompany } from '../../src/erp/public-api.ts';
import { crmClientFor } from '../helpers/crm-client.ts';
import { connectionSettings, startIntegrationEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { callJson, startTestServer } from '../helpers/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
type Json = any;

/**
 * The lead-to-cash setting over real parts and HTTP only: a migrated database, the CRM emulator, the
 * Kobling server (ERP API and integration API), the connection enabled through the API, an ERP
 * company with items, a resource, a write-in item and two customers made through the ERP API, and
 * the catalogue and the first customer created in the CRM through the integration API. A second
 * CRM client plays the salesperson who writes orders and quotes in Dynamics 365 Sales.
 */
export async function startFlowsFixture() {
  const db = await createMigratedDb('flows');
  const { emulator, integration, salesperson } = await startIntegrationEmulator(db);
  const server = await startTestServer(db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  const admin = await server.tokenFor('admin');
  const crm = crmClientFor(emulator, salesperson);
  const company = await ensureCompany(db, 'CRONUS', 'CRONUS Trading');
  assert.ok(company.ok);
  const companyId = String(company.value.id);

  const call = (method: string, url: string, body?: unknown) =>
    callJson(`${server.baseUrl}${url}`, method, admin, body);
  const erpPath = (path: string) => `/api/v2.0/companies(${companyId})/${path}`;
  const erp = {
    get: (path: string) => call('GET', erpPath(path)),
    post: (path: string, body: unknown = {}) => call('POST', erpPath(path), body),
    patch: async (path: string, body: unknown) => {
      const current = await call('GET', erpPath(path));
      const res = await fetch(`${server.baseUrl}${erpPath(path)}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
          'if-match': current.json['@odata.etag'] ?? '*',
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as Json };
    },
    delete: async (path: string) => {
      const current = await call('GET', erpPath(path));
      const res = await fetch(`${server.baseUrl}${erpPath(path)}`, {
        method: 'DELETE',
        headers: {
          authorization: `Bearer ${admin}`,
          'if-match': current.json['@odata.etag'] ?? '*',
        },
      });
      return { status: res.status, text: await res.text() };
    },
  };
  const api = {
    get: (path: string) => call('GET', `/api/integration/v1${path}`),
    post: (path: string, body: unknown = {}) => call('POST', `/api/integration/v1${path}`, body),
    patch: (path: string, body: unknown) => call('PATCH', `/api/integration/v1${path}`, body),
  };
  const make = async (set: string, body: Record<string, unknown>) => {
    const r = await erp.post(set, body);
    assert.equal(r.status, 201, `${set}: ${r.text}`);
    return r.json as Json;
  };

  await make('taxGroups', { code: 'VAT25', displayName: 'Standard', vatPercent: 25 });
  await make('unitsOfMeasure', { code: 'PCS', displayName: 'Piece' });
  await make('unitsOfMeasure', { code: 'HOUR', displayName: 'Hour' });
  const widget = await make('items', {
    number: 'I-1',
    displayName: 'Widget',
    baseUnitOfMeasureCode: 'PCS',
    unitPrice: 12.34,
    unitCost: 7,
    taxGroupCode: 'VAT25',
  });
  const writeIn = await make('items', {
    number: 'WRITE-IN',
    displayName: 'Write-in product',
    baseUnitOfMeasureCode: 'PCS',
    taxGroupCode: 'VAT25',
  });
  // Each base unit (PCS, HOUR) is one of its item's or resource's units by itself, as in BC.
  const install = await make('resources', {
    number: 'R-1',
    displayName: 'Installation',
    baseUnitOfMeasureCode: 'HOUR',
    unitPrice: 50,
    taxGroupCode: 'VAT25',
  });
  const coupled = await make('customers', {
    number: 'C-1',
    displayName: 'Adatum GmbH',
    city: 'Berlin',
  });
  const later = await make('customers', {
    number: 'C-2',
    displayName: 'Fabrikam AS',
    city: 'Oslo',
  });

  const saved = await api.patch('/connection', connectionSettings(emulator, integration));
  assert.equal(saved.status, 200, saved.text);
  const enabled = await api.post('/connection/enable');
  assert.equal(enabled.status, 200, enabled.text);
  for (const mapping of ['UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM']) {
    const r = await api.post('/couplings/matchBased', { mapping });
    assert.equal(r.status, 200, `${mapping}: ${r.text}`);
  }
  const created = async (mapping: string, erpIds: string[]) => {
    const r = await api.post('/createInCrm', { mapping, erpIds });
    assert.equal(r.status, 200, `${mapping}: ${r.text}`);
    assert.deepEqual(r.json.failed, [], `${mapping}: ${r.text}`);
    return String(r.json.created[0].crmId);
  };
  const product = await created('ITEM-PRODUCT', [widget.id]);
  const service = await created('RESOURCE-PRODUCT', [install.id]);
  const account = await created('CUSTOMER', [coupled.id]);

  const crmCreate = async (set: string, body: Record<string, unknown>) => {
    const r = await crm.create(set, body);
    assert.ok(r.ok, r.ok ? '' : `${set}: ${r.error.message}`);
    return r.value.id;
  };
  const crmGet = async (set: string, id: string) => {
    const r = await crm.retrieve<Json>(set, id);
    assert.ok(r.ok, r.ok ? '' : `${set}: ${r.error.message}`);
    return r.value;
  };
  const crmUpdate = async (set: string, id: string, patch: Record<string, unknown>) => {
    const r = await crm.update(set, id, patch);
    assert.ok(r.ok, r.ok ? '' : `${set}: ${r.error.message}`);
  };
  const crmAction = async (name: string, body: Record<string, unknown>) => {
    const r = await crm.callAction<Json>(name, body);
    assert.ok(r.ok, r.ok ? '' : `${name}: ${r.error.message}`);
    return r.value;
  };

  return {
    db,
    emulator,
    server,
    crm,
    api,
    erp,
    make,
    /** Changes Sales setup (a singleton) through the ERP API. */
    async salesSetup(body: Record<string, unknown>) {
      const list = await erp.get('salesSetup');
      return erp.patch(`salesSetup(${list.json.value[0].id})`, body);
    },
    ids: {
      widget: widget.id,
      writeIn: writeIn.id,
      install: install.id,
      coupled: coupled.id,
      later: later.id,
    },
    crmIds: { product, service, account },
    crmCreate,
    crmGet,
    crmUpdate,
    crmAction,
    async close() {
      await server.close();
      await emulator.stop();
      await db.drop();
    },
  };
}

export type FlowsFixture = Awaited<ReturnType<typeof startFlowsFixture>>;

/** A text of exactly `n` characters made of words. */
export function longText(n: number): string {
  const words =
    'the quick brown fox jumps over the lazy dog while sales orders travel from crm to erp'.split(
      ' ',
    );
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${s ? ' ' : ''}${words[i % words.length]}`;
  return s.slice(0, n);
}
