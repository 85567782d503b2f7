import type { Db } from '../../src/db/db.ts';
import { createEntity, ensureCompany } from '../../src/erp/public-api.ts';
import type { Role } from '../../src/server/auth/users.ts';
import type { Clock } from '../../src/shared/clock.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';
import { erpClient } from './api-client.ts';

/** Creates a record through the service layer or fails the test with the error. */
export async function make(db: Db, set: string, body: Record<string, unknown>) {
  const r = await createEntity(db, set, body);
  if (!r.ok) throw new Error(`${set}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** Unwraps a Result in tests. */
export function must<T>(
  r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/**
 * A small company: EUR local, USD at 1.1 USD per EUR, VAT 25 %, 30-day terms, item I-1 (12.34 EUR,
 * 100 PCS on hand, BOX of 6), resource R-1 (50.00 EUR/hour), customers C-EUR and C-USD.
 */
export async function basicCompany(db: Db) {
  const company = (await ensureCompany(db, 'CRONUS', 'CRONUS Trading')) as {
    ok: true;
    value: { id: string };
  };
  await make(db, 'currencies', { code: 'EUR', displayName: 'Euro', symbol: '€' });
  await make(db, 'currencies', { code: 'USD', displayName: 'US dollar', symbol: '$' });
  await make(db, 'currencyExchangeRates', {
    currencyCode: 'USD',
    startingDate: '2020-01-01',
    exchangeRateAmount: 1.1,
    relationalExchangeRateAmount: 1,
  });
  await make(db, 'taxGroups', { code: 'VAT25', displayName: 'Standard', vatPercent: 25 });
  await make(db, 'paymentTerms', {
    code: '30D',
    displayName: '30 days',
    dueDateCalculation: '30D',
  });
  await make(db, 'unitsOfMeasure', { code: 'PCS', displayName: 'Piece' });
  await make(db, 'unitsOfMeasure', { code: 'BOX', displayName: 'Box' });
  await make(db, 'unitsOfMeasure', { code: 'HOUR', displayName: 'Hour' });
  const item = await make(db, 'items', {
    number: 'I-1',
    displayName: 'Widget',
    baseUnitOfMeasureCode: 'PCS',
    unitPrice: 12.34,
    unitCost: 7,
    taxGroupCode: 'VAT25',
  });
  // PCS, the base unit, is one of the item's units by itself (as in BC).
  await make(db, 'itemUnitsOfMeasure', { itemNumber: 'I-1', code: 'BOX', qtyPerUnitOfMeasure: 6 });
  const resource = await make(db, 'resources', {
    number: 'R-1',
    displayName: 'Installation',
    baseUnitOfMeasureCode: 'HOUR',
    unitPrice: 50,
    taxGroupCode: 'VAT25',
  });
  const eur = await make(db, 'customers', {
    number: 'C-EUR',
    displayName: 'Adatum GmbH',
    city: 'Berlin',
    paymentTermsCode: '30D',
    creditLimit: 10000,
  });
  const usd = await make(db, 'customers', {
    number: 'C-USD',
    displayName: 'Fabrikam Inc.',
    city: 'Seattle',
    currencyCode: 'USD',
    paymentTermsCode: '30D',
  });
  return { companyId: company.value.id, item, resource, eur, usd };
}

/**
 * The ERP API over HTTP: a migrated database with `basicCompany` (and what `beforeServer` adds), the
 * test server on `clock`, and an API caller with a token of `role` (default order processor).
 */
export async function startErpApi(
  options: {
    database?: string;
    role?: Role;
    clock?: Clock;
    beforeServer?: (db: Db) => Promise<void>;
  } = {},
) {
  const db = await createMigratedDb(options.database ?? 'erp');
  const ids = await basicCompany(db);
  await options.beforeServer?.(db);
  const server = await startTestServer(db, undefined, {}, options.clock);
  const api = erpClient(
    server,
    await server.tokenFor(options.role ?? 'orderProcessor'),
    ids.companyId,
  );
  return {
    db,
    ids,
    server,
    api,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
