import type { CustomerCurrencyStatistics } from '../../erp/public-api.ts';
import type { CrmLookupValue } from '../../sync/ports.ts';

/**
 * The columns of Business Central's `nav_accountstatistics` table and what each shows. Service
 * amounts are 0: the ERP has no service management.
 */
export function statisticsColumns(
  s: CustomerCurrencyStatistics,
  currency: CrmLookupValue,
): Record<string, unknown> {
  const n = (v: string) => Number(v);
  return {
    nav_name: s.displayName.slice(0, 160),
    nav_customerno: s.customerNumber,
    nav_balancelcy: n(s.balance),
    nav_outstandingorderslcy: n(s.outstandingOrders),
    nav_shippednotinvoicedlcy: n(s.shippedNotInvoiced),
    nav_outstandinginvoiceslcy: n(s.outstandingInvoices),
    nav_outstandingserviceorderslcy: 0,
    nav_servshippednotinvoicedlcy: 0,
    nav_outstandingservinvoiceslcy: 0,
    nav_totallcy: n(s.totalAmount),
    nav_creditlimitlcy: n(s.creditLimit),
    nav_overdueamountslcy: n(s.overdueAmount),
    nav_overdueamountsasof: s.asOfDate,
    nav_totalsaleslcy: n(s.totalSalesExcludingTax),
    nav_invoicedprepaymentamountlcy: 0,
    transactioncurrencyid: currency,
  };
}

const isLookup = (v: unknown): v is CrmLookupValue =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v;

/** The columns whose value differs from the CRM row's (compare before write). */
export function changedColumns(
  wanted: Record<string, unknown>,
  current: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wanted)) {
    const have = current[k];
    if (isLookup(v)) {
      if (String(have ?? '').toLowerCase() !== String(v.id ?? '').toLowerCase()) out[k] = v;
    } else if (typeof v === 'number') {
      if (typeof have !== 'number' || Math.round(have * 100) !== Math.round(v * 100)) out[k] = v;
    } else if (k === 'nav_overdueamountsasof') {
      // A date-only column may come back with a time part.
      if (String(have ?? '').slice(0, 10) !== v) out[k] = v;
    } else if ((have ?? null) !== (v ?? null)) {
      out[k] = v;
    }
  }
  return out;
}
