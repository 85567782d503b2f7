import type { FullSyncLineRun } from '../../app/context.ts';
import { type ApiRecord, readChanges } from '../../erp/public-api.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { createCrmInvoices } from './create-crm-invoices.ts';

/**
 * The full synchronization line of POSTEDSALESINV-INV: every posted sales invoice not yet in the
 * CRM gets its CRM invoice the way the posted-invoices job makes it (name, customer, price list,
 * lines, order link), in one job; the generic engine would send a header the CRM refuses. Every
 * posted invoice is looked at, as the line's ERP count (its total while it runs) has them: those
 * found in the CRM already count as unchanged, so the finished line adds up to that count (one
 * coupled to a CRM invoice deleted since is created again, as the job would).
 */
export async function runInvoicesFullSyncLine(
  o: OutboundContext,
  trigger: string,
): Promise<FullSyncLineRun> {
  const invoices: ApiRecord[] = [];
  for (let seq = 0; ; ) {
    const page = await readChanges(o.app.db, 'salesInvoices', seq, { limit: 1000 });
    if (!page.ok)
      return { jobId: null, status: 'failed', counters: {}, message: page.error.message };
    invoices.push(...page.value.records);
    seq = page.value.nextSeq;
    if (!page.value.more) break;
  }
  if (invoices.length === 0) return { jobId: null, status: 'succeeded', counters: {} };
  const report = await createCrmInvoices(o, invoices, trigger);
  if (!report.ok)
    return { jobId: null, status: 'failed', counters: {}, message: report.error.message };
  // With every invoice there already no job was run (jobId null): the counters still say so.
  return {
    jobId: report.value.jobId,
    status: 'succeeded',
    counters: {
      inserted: report.value.created,
      unchanged: report.value.alreadyCoupled,
      failed: report.value.failed,
    },
  };
}
