import { listEntities, statisticsInCustomerCurrency } from '../../erp/public-api.ts';
import { isoDate } from '../../shared/clock.ts';
import type { ErrorCode } from '../../shared/error-codes.ts';
import { newId } from '../../shared/ids.ts';
import { plural } from '../../shared/plural.ts';
import { ok, type Result } from '../../shared/result.ts';
import { outsideFilterReason } from '../../sync/engine/filter-misses.ts';
import { couplingLookups } from '../../sync/engine/lookups.ts';
import type { FieldMapping } from '../../sync/model.ts';
import type { CrmLookupValue, CrmWrite } from '../../sync/ports.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { updatePaymentStatus } from '../posted-invoices/payment-status.ts';
import { changedColumns, statisticsColumns } from './statistics-values.ts';

export type StatisticsOutcome = 'inserted' | 'modified' | 'unchanged' | 'failed' | 'notFound';

export interface StatisticsResult {
  readonly customerNumber: string;
  readonly outcome: StatisticsOutcome;
  readonly accountId?: string;
  readonly statisticsId?: string;
  readonly message: string;
  /** Why it failed: `not_coupled`, `dependency_not_coupled` (its currency) or `crm_write_failed`. */
  readonly code?: ErrorCode;
}

export interface StatisticsReport {
  readonly inserted: number;
  readonly modified: number;
  readonly unchanged: number;
  readonly failed: number;
  /** Writes sent to Dynamics 365 Sales (creates and updates). */
  readonly crmWrites: number;
  readonly results: readonly StatisticsResult[];
}

const CURRENCY_FIELD: FieldMapping = {
  position: 0,
  erpField: 'currencyCode',
  crmField: 'transactioncurrencyid',
  direction: 'ToIntegrationTable',
  lookup: { mapping: 'CURRENCY', erpKey: 'code' },
  validateField: false,
  validateCrmField: false,
  clearOnFailedSync: false,
  notNull: false,
  enabled: true,
  useForMatching: false,
  caseSensitiveMatching: false,
  matchPriority: 0,
};

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/**
 * "Update account statistics": writes each customer's statistics (balance, outstanding orders,
 * shipped not invoiced, outstanding invoices, total, credit limit, overdue amounts, total sales) to
 * the `nav_accountstatistics` row linked from its coupled account, in the customer's currency to
 * the cent. The row is created and linked on first use; afterwards only changed columns are
 * written, and an unchanged row is not written at all. A customer that is not coupled gets a
 * message saying so; it never stops the others.
 */
export async function updateAccountStatistics(
  o: OutboundContext,
  customerNumbers: readonly string[],
  options: { onlyCoupled?: boolean } = {},
): Promise<Result<StatisticsReport>> {
  const db = o.engine.db;
  const numbers = [...new Set(customerNumbers)];
  const stats = await statisticsInCustomerCurrency(o.app.db, numbers, isoDate(o.app.clock.now()));
  if (!stats.ok) return stats;
  const results: StatisticsResult[] = [];
  const found = new Set(stats.value.map((s) => s.customerNumber));
  for (const n of numbers)
    if (!found.has(n) && !options.onlyCoupled)
      results.push({
        customerNumber: n,
        outcome: 'notFound',
        message: `Customer ${n} does not exist`,
      });
  const coupled = await db.query<{ erp_id: string; crm_id: string }>(
    `SELECT erp_id, crm_id FROM integration.couplings
      WHERE erp_table = 'customers' AND erp_id = ANY($1::uuid[]) AND state = 'coupled'`,
    [stats.value.map((s) => s.customerId)],
  );
  const accountOf = new Map(coupled.rows.map((r) => [r.erp_id, r.crm_id]));
  const accounts = await o.engine.crm.get('account', [...accountOf.values()]);
  if (!accounts.ok) return accounts;
  const statIds = [...accounts.value.values()]
    .map((a) => str(a.values.nav_accountstatisticsid))
    .filter((x): x is string => !!x);
  const statRows = await o.engine.crm.get('nav_accountstatistics', statIds);
  if (!statRows.ok) return statRows;
  const lookups = couplingLookups(db, o.engine.erp, o.engine.crm, o.engine.mappings);

  const outside = options.onlyCoupled
    ? new Map<string, string>()
    : await outsideCustomerFilter(
        o,
        stats.value.map((s) => s.customerId).filter((id) => !accountOf.has(id)),
      );

  const writes: CrmWrite[] = [];
  const plan: { result: StatisticsResult; writeIndexes: number[]; customerId: string }[] = [];
  for (const s of stats.value) {
    const accountId = accountOf.get(s.customerId);
    const account = accountId ? accounts.value.get(accountId) : undefined;
    if (!accountId || !account) {
      // The job looks at every customer with activity; only coupled ones have statistics.
      if (options.onlyCoupled) continue;
      results.push({
        customerNumber: s.customerNumber,
        outcome: 'failed',
        code: 'not_coupled',
        message: outside.has(s.customerId)
          ? `Customer ${s.customerNumber} has no account in Dynamics 365 Sales to update: it is ${outside.get(s.customerId)}, so it is not coupled and its account cannot be created`
          : `Customer ${s.customerNumber} is not coupled to an account in Dynamics 365 Sales: couple it or create its account first, then update its statistics`,
      });
      continue;
    }
    const currency = await lookups.translate(CURRENCY_FIELD, s.currencyCode, 'ToIntegrationTable');
    if (!currency.ok) {
      results.push({
        customerNumber: s.customerNumber,
        outcome: 'failed',
        code: 'dependency_not_coupled',
        accountId,
        message: currency.error.message,
      });
      continue;
    }
    const wanted = statisticsColumns(s, currency.value as CrmLookupValue);
    const statId = str(account.values.nav_accountstatisticsid);
    const existing = statId ? statRows.value.get(statId) : undefined;
    if (existing) {
      const changes = changedColumns(wanted, existing.values);
      if (Object.keys(changes).length === 0) {
        plan.push({
          customerId: s.customerId,
          writeIndexes: [],
          result: {
            customerNumber: s.customerNumber,
            outcome: 'unchanged',
            accountId,
            statisticsId: existing.id,
            message: `The statistics of customer ${s.customerNumber} are up to date in Dynamics 365 Sales`,
          },
        });
        continue;
      }
      writes.push({
        kind: 'update',
        entity: 'nav_accountstatistics',
        id: existing.id,
        values: changes,
      });
      plan.push({
        customerId: s.customerId,
        writeIndexes: [writes.length - 1],
        result: {
          customerNumber: s.customerNumber,
          outcome: 'modified',
          accountId,
          statisticsId: existing.id,
          message: `Customer statistics successfully updated in Dynamics 365 Sales (${plural(Object.keys(changes).length, 'value')} changed)`,
        },
      });
      continue;
    }
    const id = newId();
    writes.push({ kind: 'create', entity: 'nav_accountstatistics', id, values: wanted });
    writes.push({
      kind: 'update',
      entity: 'account',
      id: accountId,
      values: { nav_accountstatisticsid: { lookupEntity: 'nav_accountstatistics', id } },
    });
    plan.push({
      customerId: s.customerId,
      writeIndexes: [writes.length - 2, writes.length - 1],
      result: {
        customerNumber: s.customerNumber,
        outcome: 'inserted',
        accountId,
        statisticsId: id,
        message: 'Customer statistics successfully created in Dynamics 365 Sales',
      },
    });
  }
  const written = writes.length ? await o.engine.crm.write(writes) : ok([]);
  if (!written.ok) return written;
  const uploaded: string[] = [];
  for (const p of plan) {
    const bad = p.writeIndexes.map((i) => written.value[i]!).find((w) => !w.ok) as
      | { message: string }
      | undefined;
    if (bad) {
      results.push({
        ...p.result,
        outcome: 'failed',
        code: 'crm_write_failed',
        message: `Dynamics 365 Sales refused the statistics of customer ${p.result.customerNumber}: ${bad.message}`,
      });
    } else {
      results.push(p.result);
      uploaded.push(p.customerId);
    }
  }
  if (uploaded.length)
    await db.query(
      `UPDATE integration.couplings SET statistics_uploaded = true
        WHERE erp_table = 'customers' AND erp_id = ANY($1::uuid[]) AND NOT statistics_uploaded`,
      [uploaded],
    );
  const count = (x: StatisticsOutcome) => results.filter((r) => r.outcome === x).length;
  return ok({
    inserted: count('inserted'),
    modified: count('modified'),
    unchanged: count('unchanged'),
    failed: count('failed') + count('notFound'),
    crmWrites: writes.length,
    results: results.sort((a, b) => a.customerNumber.localeCompare(b.customerNumber)),
  });
}

/**
 * *Update account statistics* as users start it: the statistics of the customers, then the payment
 * status of their coupled invoices (as the scheduled job does for invoices with payments).
 */
export async function updateAccountStatisticsAndPayments(
  o: OutboundContext,
  customerNumbers: readonly string[],
): Promise<Result<StatisticsReport & { invoicesModified: number }>> {
  const stats = await updateAccountStatistics(o, customerNumbers);
  if (!stats.ok) return stats;
  const invoiceIds: string[] = [];
  for (const r of stats.value.results) {
    if (r.outcome === 'failed' || r.outcome === 'notFound') continue;
    const q = await listEntities(o.app.db, 'salesInvoices', {
      filter: `billToCustomerNumber eq '${r.customerNumber.replaceAll("'", "''")}'`,
      select: 'id',
      top: 20_000,
    });
    if (q.ok) invoiceIds.push(...q.value.map((x) => x.id));
  }
  const payments = await updatePaymentStatus(o, invoiceIds);
  if (!payments.ok) return payments;
  return ok({
    ...stats.value,
    crmWrites: stats.value.crmWrites + payments.value.modified,
    invoicesModified: payments.value.modified,
  });
}

/**
 * Why uncoupled customers cannot get an account (blocked, or otherwise outside the CUSTOMER
 * mapping's ERP filter), by customer id: advising to create the account would send the user to a
 * refusal.
 */
async function outsideCustomerFilter(
  o: OutboundContext,
  customerIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const m = o.engine.mappings.get('CUSTOMER');
  if (!m || customerIds.length === 0) return out;
  const rows = await o.engine.erp.get(m.erpTable, customerIds);
  for (const [id, row] of rows) {
    const reason = outsideFilterReason(m, 'erp', row.values);
    if (reason) out.set(id, reason);
  }
  return out;
}
