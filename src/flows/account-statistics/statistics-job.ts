import type { Queryable } from '../../db/db.ts';
import { customersWithActivity, invoicesWithLedgerActivity } from '../../erp/public-api.ts';
import type { RunOutcome } from '../../integration/recurring-jobs.ts';
import { plural } from '../../shared/plural.ts';
import { ok, type Result } from '../../shared/result.ts';
import { beginJob, finishJob, logRecordError, saveProgress } from '../../sync/engine/job-log.ts';
import { emptyCounters, type JobCounters } from '../../sync/model.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { updatePaymentStatus } from '../posted-invoices/payment-status.ts';
import { closeStoppedJob, stoppedBySignal } from '../shared/stopped-job.ts';
import { updateAccountStatistics } from './update-account-statistics.ts';

export const STATISTICS_JOB = 'CUSTOMER STATISTICS';

/**
 * Customers (and invoices) a run handles between two looks at its stop signal: a first upload of
 * 500 customers (1,000 CRM writes) took 2.7 s on a busy test machine, more than half the 4 s the
 * stop gives aborted work; 250 leaves room.
 */
const CHUNK = 250;

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
  let parts: { stats: ChunkTotals; payments: ChunkTotals };
  try {
    const r = await uploadInChunks(o, jobId, counters, [...numbers], invoices.value.invoiceIds);
    if (!r.ok) {
      await finishJob(db, jobId, counters, { status: 'failed', message: r.error.message });
      return r;
    }
    parts = r.value;
  } catch (err) {
    if (stoppedBySignal(o, err))
      await closeStoppedJob(o, { jobId, name: STATISTICS_JOB }, counters);
    throw err;
  }
  // The job's counters add customers and invoices up, so the message names both parts: each
  // figure of the counters can be found in it.
  const { stats, payments: p } = parts;
  const message = `Updated account statistics of ${plural(stats.inserted + stats.modified, 'customer')} (${stats.unchanged} unchanged, ${stats.failed} failed); updated payment status of ${plural(p.modified, 'sales invoice')} (${p.unchanged} unchanged, ${p.failed} failed)`;
  await finishJob(db, jobId, counters, { status: 'succeeded', message });
  return ok({
    didWork: true,
    message,
    seenSeq: Math.min(next.activitySeq, next.invoiceSeq),
    state: next,
    jobId,
    customers: numbers.size,
    crmWrites: stats.crmWrites + p.modified,
    invoicesModified: p.modified,
  });
}

interface ChunkTotals {
  inserted: number;
  modified: number;
  unchanged: number;
  failed: number;
  crmWrites: number;
}

const zero = (): ChunkTotals => ({
  inserted: 0,
  modified: 0,
  unchanged: 0,
  failed: 0,
  crmWrites: 0,
});

/**
 * The job's counters from its two parts' totals, set on `counters` (which a stop closes the job
 * with): customers and invoices added up.
 */
function addUp(counters: JobCounters, stats: ChunkTotals, payments: ChunkTotals): JobCounters {
  counters.inserted = stats.inserted + payments.inserted;
  counters.modified = stats.modified + payments.modified;
  counters.unchanged = stats.unchanged + payments.unchanged;
  counters.failed = stats.failed + payments.failed;
  return counters;
}

/**
 * The run's work a chunk of customers (then of invoices) at a time, its counters saved after each:
 * the process's stop ends it between chunks (the signal's reason is thrown) within the stop's
 * bound, not after tens of thousands of customers. What a chunk wrote stays written (first uploads
 * are marked as done); the watermarks are only advanced by a whole run, so the next run does the
 * rest, finding what was written unchanged.
 */
async function uploadInChunks(
  o: OutboundContext,
  jobId: string,
  counters: JobCounters,
  numbers: readonly string[],
  invoiceIds: readonly string[],
): Promise<Result<{ stats: ChunkTotals; payments: ChunkTotals }>> {
  const db = o.engine.db;
  const size = o.engine.chunkSize ?? CHUNK;
  const stats = zero();
  const payments = zero();
  for (let i = 0; i < numbers.length; i += size) {
    o.engine.signal?.throwIfAborted();
    const r = await updateAccountStatistics(o, numbers.slice(i, i + size), { onlyCoupled: true });
    if (!r.ok) return r;
    for (const x of r.value.results) {
      if (x.outcome !== 'failed' && x.outcome !== 'notFound') continue;
      await logRecordError(db, jobId, STATISTICS_JOB, 'ToIntegrationTable', {
        erpTable: 'customers',
        erpId: null,
        crmEntity: 'nav_accountstatistics',
        crmId: x.statisticsId ?? null,
        message: x.message,
      });
    }
    stats.inserted += r.value.inserted;
    stats.modified += r.value.modified;
    stats.unchanged += r.value.unchanged;
    stats.failed += r.value.failed;
    stats.crmWrites += r.value.crmWrites;
    await saveProgress(db, jobId, addUp(counters, stats, payments));
  }
  for (let i = 0; i < invoiceIds.length; i += size) {
    o.engine.signal?.throwIfAborted();
    const r = await updatePaymentStatus(o, invoiceIds.slice(i, i + size));
    if (!r.ok) return r;
    for (const f of r.value.failed)
      await logRecordError(db, jobId, STATISTICS_JOB, 'ToIntegrationTable', {
        erpTable: 'salesInvoices',
        erpId: null,
        crmEntity: 'invoice',
        crmId: null,
        message: `Invoice ${f.invoiceNumber}: ${f.message}`,
      });
    payments.modified += r.value.modified;
    payments.unchanged += r.value.unchanged;
    payments.failed += r.value.failed.length;
    await saveProgress(db, jobId, addUp(counters, stats, payments));
  }
  return ok({ stats, payments });
}
