import type { Queryable } from '../../db/db.ts';
import { customersWithActivity, invoicesWithLedgerActivity } from '../../erp/public-api.ts';
import type { RunOutcome } from '../../integration/recurring-jobs.ts';
import { plural } from '../../shared/plural.ts';
import { ok, type Result } from '../../shared/result.ts';
import { beginJob, finishJob, logRecordError } from '../../sync/engine/job-log.ts';
import { emptyCounters } from '../../sync/model.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { updatePaymentStatus } from '../posted-invoices/payment-status.ts';
import { updateAccountStatistics } from './update-account-statistics.ts';

export const STATISTICS_JOB = 'CUSTOMER STATISTICS';

/** The job's watermarks (ERP change sequences), kept in its scheduled job row. */
export interface StatisticsJobState {
  readonly activitySeq?: number;
  readonly invoiceSeq?: number;
}

export interface StatisticsJobReport extends RunOutcome {
  readonly jobId: string | null;
  readonly customers: number;
  readonly crmWrites: number;
  readonly invoicesModified: number;
}

/**
 * Customers of sales documents deleted after `after` up to `upTo` (migration flows 004 keeps them:
 * the change feed has only the deleted ids). Those at or before `after` were seen by an earlier run
 * and are pruned.
 */
async function customersOfDeletedDocuments(
  db: Queryable,
  after: number,
  upTo: number,
): Promise<string[]> {
  await db.query('DELETE FROM integration.deleted_sales_documents WHERE change_seq <= $1', [after]);
  const r = await db.query<{ n: string }>(
    `SELECT customer_number AS n FROM integration.deleted_sales_documents
      WHERE change_seq > $1 AND change_seq <= $2
     UNION
     SELECT bill_to_customer_number FROM integration.deleted_sales_documents
      WHERE change_seq > $1 AND change_seq <= $2`,
    [after, upTo],
  );
  return r.rows.map((x) => x.n);
}

/**
 * One run of the CUSTOMER STATISTICS job: statistics of coupled customers not uploaded yet (first
 * upload), then of customers with activity since the last run (ledger entries, orders and their
 * lines, the customer, a deleted order or draft invoice), then the payment status of invoices whose ledger entry changed. A run
 * that finds no customer and no invoice to look at writes nothing and says so.
 */
export async function runStatisticsJob(
  o: OutboundContext,
  state: StatisticsJobState,
  trigger: string,
): Promise<Result<StatisticsJobReport>> {
  const db = o.engine.db;
  const activity = await customersWithActivity(o.app.db, state.activitySeq ?? 0);
  if (!activity.ok) return activity;
  const invoices = await invoicesWithLedgerActivity(o.app.db, state.invoiceSeq ?? 0);
  if (!invoices.ok) return invoices;
  const firstUpload = await db.query<{ erp_id: string }>(
    `SELECT erp_id FROM integration.couplings
      WHERE erp_table = 'customers' AND state = 'coupled' AND NOT skipped AND NOT statistics_uploaded`,
  );
  const numbers = new Set<string>();
  if (firstUpload.rows.length) {
    const rows = await o.engine.erp.get(
      'customers',
      firstUpload.rows.map((r) => r.erp_id),
    );
    for (const r of rows.values()) numbers.add(String(r.values.number));
  }
  for (const n of activity.value.customerNumbers) numbers.add(n);
  const after = state.activitySeq ?? 0;
  for (const n of await customersOfDeletedDocuments(db, after, activity.value.nextSeq))
    numbers.add(n);
  const next = { activitySeq: activity.value.nextSeq, invoiceSeq: invoices.value.nextSeq };
  if (numbers.size === 0 && invoices.value.invoiceIds.length === 0) {
    return ok({
      didWork: false,
      message: 'Nothing to do: no customer activity and no invoice payment since the last run',
      seenSeq: Math.min(next.activitySeq, next.invoiceSeq),
      state: next,
      jobId: null,
      customers: 0,
      crmWrites: 0,
      invoicesModified: 0,
    });
  }
  const jobId = await beginJob(db, STATISTICS_JOB, 'ToIntegrationTable', trigger);
  const counters = emptyCounters();
  const stats = await updateAccountStatistics(o, [...numbers], { onlyCoupled: true });
  if (!stats.ok) {
    await finishJob(db, jobId, counters, { status: 'failed', message: stats.error.message });
    return stats;
  }
  for (const r of stats.value.results) {
    if (r.outcome !== 'failed' && r.outcome !== 'notFound') continue;
    await logRecordError(db, jobId, STATISTICS_JOB, 'ToIntegrationTable', {
      erpTable: 'customers',
      erpId: null,
      crmEntity: 'nav_accountstatistics',
      crmId: r.statisticsId ?? null,
      message: r.message,
    });
  }
  const payments = await updatePaymentStatus(o, invoices.value.invoiceIds);
  if (!payments.ok) {
    await finishJob(db, jobId, counters, { status: 'failed', message: payments.error.message });
    return payments;
  }
  for (const f of payments.value.failed)
    await logRecordError(db, jobId, STATISTICS_JOB, 'ToIntegrationTable', {
      erpTable: 'salesInvoices',
      erpId: null,
      crmEntity: 'invoice',
      crmId: null,
      message: `Invoice ${f.invoiceNumber}: ${f.message}`,
    });
  counters.inserted = stats.value.inserted;
  counters.modified = stats.value.modified + payments.value.modified;
  counters.unchanged = stats.value.unchanged + payments.value.unchanged;
  counters.failed = stats.value.failed + payments.value.failed.length;
  // The job's counters add customers and invoices up, so the message names both parts: each
  // figure of the counters can be found in it.
  const p = payments.value;
  const message = `Updated account statistics of ${plural(stats.value.inserted + stats.value.modified, 'customer')} (${stats.value.unchanged} unchanged, ${stats.value.failed} failed); updated payment status of ${plural(p.modified, 'sales invoice')} (${p.unchanged} unchanged, ${p.failed.length} failed)`;
  await finishJob(db, jobId, counters, { status: 'succeeded', message });
  return ok({
    didWork: true,
    message,
    seenSeq: Math.min(next.activitySeq, next.invoiceSeq),
    state: next,
    jobId,
    customers: numbers.size,
    crmWrites: stats.value.crmWrites + payments.value.modified,
    invoicesModified: payments.value.modified,
  });
}
