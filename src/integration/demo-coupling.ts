import type { Db } from '../db/db.ts';
import type { Logger } from '../shared/logger.ts';
import { plural } from '../shared/plural.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { runMapping } from '../sync/engine/run-mapping.ts';
import type { TableMapping } from '../sync/model.ts';
import { createInCrm } from '../sync/service/create-in.ts';
import { matchBasedCoupling } from '../sync/service/match-based-coupling.ts';

/** How many demo customers (the first by number) the first start couples with accounts, besides those with documents. */
export const DEMO_COUPLED_CUSTOMERS = 10;

/** Reference data the assisted setup couples by matching (creating what the CRM lacks). */
const MATCHED = [
  'SALESPEOPLE',
  'CURRENCY',
  'PAYMENT TERMS',
  'SHIPMENT METHOD',
  'SHIPPING AGENT',
  'UNIT OF MEASURE',
  'UNIT GROUP',
  'ITEM UOM',
  'RESOURCE UOM',
  'CUSTPRCGRP-PRICE',
];

/** What the banner calls each matched mapping's records: one, and more than one. */
const LABELS: Record<string, readonly [string, string]> = {
  SALESPEOPLE: ['salesperson', 'salespeople'],
  CURRENCY: ['currency', 'currencies'],
  'PAYMENT TERMS': ['payment terms', 'payment terms'],
  'SHIPMENT METHOD': ['shipment method', 'shipment methods'],
  'SHIPPING AGENT': ['shipping agent', 'shipping agents'],
  'UNIT OF MEASURE': ['unit of measure', 'units of measure'],
  'UNIT GROUP': ['unit group', 'unit groups'],
  'ITEM UOM': ['item unit of measure', 'item units of measure'],
  'RESOURCE UOM': ['resource unit of measure', 'resource units of measure'],
  'CUSTPRCGRP-PRICE': ['price group', 'price groups'],
};

/** `3 currencies`, `1 shipment method`: a count with its mapping's label in the right number. */
export function countLabel(mapping: string, n: number): string {
  const [one, many] = LABELS[mapping] ?? [mapping.toLowerCase(), mapping.toLowerCase()];
  return plural(n, one, many);
}

export interface DemoCouplingReport {
  readonly lines: readonly string[];
  readonly failed: number;
}

/**
 * What the first start does for the demo, in the dependency order of the assisted setup: the
 * reference data (salespeople ↔ users by name, currencies, payment terms, shipment methods,
 * shipping agents, unit groups and units, price groups) is coupled by matching, creating what
 * the CRM lacks; every item and resource becomes a product on the default price list, the price
 * group prices become price list items; the first customers and those with documents become
 * accounts with their contacts. The other customers stay ERP-only and the CRM's own demo accounts CRM-only, so the
 * walk-through in the README has something to couple and create. The same steps over the API are
 * in the README.
 */
export async function coupleDemoData(engine: EngineContext): Promise<DemoCouplingReport> {
  const m = (name: string): TableMapping | undefined => engine.mappings.get(name);
  let failed = 0;
  // Matched and created apart: the banner said `3 currencies` coupled by matching where 2 of them
  // had been created in the CRM.
  const matched: string[] = [];
  const made: string[] = [];
  for (const name of MATCHED) {
    const mapping = m(name);
    if (!mapping) continue;
    const r = await matchBasedCoupling(engine, {
      ...mapping,
      // Price groups that the CRM lacks are created, as a full synchronization would.
      createNewOnNoMatch: true,
      syncAfterCoupling: true,
    });
    failed += r.unmatched + r.syncJobs.reduce((n, j) => n + j.counters.failed, 0);
    if (r.coupled > 0) matched.push(countLabel(name, r.coupled));
    if (r.created > 0) made.push(countLabel(name, r.created));
  }
  const ids = async (sql: string) =>
    (await engine.db.query<{ id: string }>(sql)).rows.map((r) => r.id);
  const create = async (name: string, erpIds: string[]) => {
    const mapping = m(name);
    if (!mapping || erpIds.length === 0) return 0;
    const r = await createInCrm(engine, mapping, erpIds);
    failed += r.failed.length;
    return r.created.length;
  };
  const items = await create(
    'ITEM-PRODUCT',
    await ids('SELECT id FROM erp.items WHERE NOT blocked'),
  );
  const resources = await create(
    'RESOURCE-PRODUCT',
    await ids('SELECT id FROM erp.resources WHERE NOT blocked'),
  );
  const prices = m('SALESPRC-PRODPRICE');
  let priceItems = 0;
  if (prices) {
    for (const job of await runMapping(engine, prices, {
      only: 'ToIntegrationTable',
      trigger: 'demoSetup',
    })) {
      failed += job.counters.failed;
      priceItems += job.counters.inserted;
    }
  }
  // The first customers, and every customer with quotes, orders or posted invoices: the
  // documents' flows then find their accounts.
  const customerIds = await ids(
    `SELECT id FROM erp.customers k WHERE btrim(k.blocked) = ''
        AND (k.number IN (SELECT number FROM erp.customers ORDER BY number LIMIT ${DEMO_COUPLED_CUSTOMERS})
             OR EXISTS (SELECT 1 FROM erp.sales_headers h WHERE h.customer_number = k.number)
             OR EXISTS (SELECT 1 FROM erp.sales_invoice_headers i WHERE i.customer_number = k.number))
      ORDER BY k.number`,
  );
  const customers = await create('CUSTOMER', customerIds);
  const contacts = await create(
    'CONTACT',
    await ids(`SELECT p.id FROM erp.contacts p
                 JOIN erp.contacts k ON k.number = p.company_number
                 JOIN erp.customers c ON c.number = k.customer_number
                WHERE p.type = 'Person' AND c.id = ANY(ARRAY[${customerIds.map((id) => `'${id}'::uuid`).join(',') || 'NULL::uuid'}])`),
  );
  const customerMapping = m('CUSTOMER');
  if (customerMapping && customerIds.length > 0) {
    // The accounts' primary contacts exist now: send the customers again to link them.
    for (const job of await runMapping(engine, customerMapping, {
      only: 'ToIntegrationTable',
      erpIds: customerIds,
      force: true,
      trigger: 'demoSetup',
    }))
      failed += job.counters.failed;
  }
  // One CRM → ERP pass of each mapping that reads the CRM stores its change-tracking delta link:
  // real-time propagation from the CRM starts from it (without one, a salesperson's edit waited
  // for the first scheduled run, 30 minutes on). What it reads now are the integration's own
  // writes, dropped as echoes.
  for (const mapping of engine.mappings.values()) {
    if (mapping.direction === 'ToIntegrationTable') continue;
    for (const job of await runMapping(engine, mapping, {
      only: 'FromIntegrationTable',
      trigger: 'demoSetup',
    }))
      failed += job.counters.failed;
  }
  return {
    failed,
    lines: [
      `coupled by matching: ${matched.join(', ') || 'nothing'}`,
      `created in the CRM: ${[...made, `${items} items and ${resources} resources as products, ${priceItems} prices, ${customers} customers with ${contacts} contacts`].join(', ')}`,
    ],
  };
}

/**
 * Runs the demo coupling once, on the first start of a demo: the connection goes to the bundled
 * emulator (loopback), nothing is coupled yet and it never ran before.
 */
export async function coupleDemoOnFirstStart(
  db: Db,
  logger: Logger,
  openEngine: () => Promise<EngineContext | undefined>,
): Promise<string | undefined> {
  const c = await db.query<{
    crm_url: string | null;
    enabled: boolean;
    demo_coupled_at: Date | null;
  }>('SELECT crm_url, enabled, demo_coupled_at FROM integration.connection WHERE id = 1');
  const row = c.rows[0];
  if (!row?.enabled || row.demo_coupled_at || !row.crm_url) return undefined;
  const host = new URL(row.crm_url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return undefined;
  const any = await db.query('SELECT 1 FROM integration.couplings LIMIT 1');
  if (any.rowCount) return undefined;
  const engine = await openEngine();
  if (!engine) return undefined;
  const started = Date.now();
  const report = await coupleDemoData(engine);
  await db.query('UPDATE integration.connection SET demo_coupled_at = now() WHERE id = 1');
  if (report.failed > 0)
    logger.warn({ failed: report.failed }, 'demo coupling: some records failed (see /errors)');
  return `Integration: ${report.lines.join('; ')} (${Date.now() - started} ms)`;
}
