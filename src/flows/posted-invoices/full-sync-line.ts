import type { FullSyncLineRun } from '../../app/context.ts';
import { type ApiRecord, readChanges } from '../../erp/public-api.ts';
import { couplingsByErpIds } from '../../sync/couplings/coupling-repo.ts';
import type { OutboundContext } from '../outbound-context.ts';
import { createCrmInvoices } from './create-crm-invoices.ts';

/**
 * The full synchronization line of POSTEDSALESINV-INV: every posted sales invoice not yet coupled
 * gets its CRM invoice the way the posted-invoices job makes it (name, customer, price list, lines,
 * order link), in one job; the generic engine would send a header the CRM refuses.
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
  const coupled = await couplingsByErpIds(
    o.engine.db,
    'salesInvoices',
    invoices.map((r) => r.id),
  );
  const todo = invoices.filter((r) => coupled.get(r.id)?.state !== 'coupled');
  if (todo.length === 0) return { jobId: null, status: 'succeeded', counters: {} };
  const report = await createCrmInvoices(o, todo, trigger);
  if (!report.ok)
    return { jobId: null, status: 'failed', counters: {}, message: report.error.message };
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
