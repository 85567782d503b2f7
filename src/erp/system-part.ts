import './errors.ts';
import type { AppContext } from '../app/context.ts';
import { AppError } from '../shared/errors.ts';
import { seedDemoCompany } from './demo/seed-demo.ts';
import './errors.ts';

/** Loads the ERP demo company unless the ERP has one; returns a one-line summary or undefined. */
export async function seedErpDemo(ctx: AppContext): Promise<string | undefined> {
  const started = performance.now();
  const r = await seedDemoCompany(ctx.db);
  if (!r.ok) throw new AppError(r.error.code, r.error.message);
  if (!r.value) return undefined;
  const s = r.value;
  return `ERP: CRONUS Trading with ${s.customers} customers, ${s.contacts} contacts, ${s.items} items, ${s.resources} resources, ${s.quotes} quotes, ${s.orders} open orders, ${s.invoices} posted invoices (${Math.round(performance.now() - started)} ms)`;
}

/** The ERP's contribution to `kobling start`: demo data on first start. */
export const erpPart = { name: 'erp', seedDemo: seedErpDemo } as const;
