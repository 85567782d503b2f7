import { type ApiRecord, findEntity, getEntity } from '../../erp/public-api.ts';
import { newId } from '../../shared/ids.ts';
import { plural } from '../../shared/plural.ts';
import { ok, type Result } from '../../shared/result.ts';
import {
  couplingsByErpIds,
  deleteCoupling,
  insertPendingCouplings,
  markSynced,
} from '../../sync/couplings/coupling-repo.ts';
import { beginJob, finishJob, logRecordError } from '../../sync/engine/job-log.ts';
import { emptyCounters } from '../../sync/model.ts';
import type { CrmWrite } from '../../sync/ports.ts';
import { type OutboundContext, requireMapping } from '../outbound-context.ts';
import { closeStoppedJob } from '../shared/stopped-job.ts';
import { invoiceHeaderValues, invoiceLineValues } from './invoice-values.ts';
import { findOrderLink } from './order-link.ts';
import { updatePaymentStatus } from './payment-status.ts';

export const INVOICE_MAPPING = 'POSTEDSALESINV-INV';

export type InvoiceOutcome = 'created' | 'alreadyCoupled' | 'failed' | 'notFound';

export interface InvoiceResult {
  readonly number: string;
  readonly outcome: InvoiceOutcome;
  readonly crmInvoiceId?: string;
  /** The CRM order the invoice was linked to, when the ERP order came from the CRM. */
  readonly salesOrderId?: string;
  readonly message: string;
}

export interface CreateInvoicesReport {
  /** The synchronization job; null when no asked-for invoice exists, so there was nothing to run. */
  readonly jobId: string | null;
  readonly created: number;
  readonly alreadyCoupled: number;
  /** Invoices not created: their create failed, or (by number) they do not exist. */
  readonly failed: number;
  readonly results: readonly InvoiceResult[];
  /** Set when no job was run: why there was nothing to do. */
  readonly message?: string;
}

/**
 * "Create invoice in Dynamics 365 Sales" on posted sales invoices by number (see
 * `createCrmInvoices`). Unknown numbers are reported (and counted as failed), not thrown; when
 * none of the numbers exists no job is opened for nothing.
 */
export async function createInvoicesInCrmByNumber(
  o: OutboundContext,
  numbers: readonly string[],
  trigger = 'createInCrm',
): Promise<Result<CreateInvoicesReport>> {
  const invoices: ApiRecord[] = [];
  const missing: InvoiceResult[] = [];
  for (const number of new Set(numbers)) {
    const rec = await findEntity(o.app.db, 'salesInvoices', 'number', number);
    if (rec) invoices.push(rec);
    else
      missing.push({
        number,
        outcome: 'notFound',
        message: `Posted sales invoice ${number} does not exist`,
      });
  }
  if (invoices.length === 0)
    return ok({
      jobId: null,
      created: 0,
      alreadyCoupled: 0,
      failed: missing.length,
      results: missing,
      message: 'None of the invoices exists; no job was run',
    });
  const r = await createCrmInvoices(o, invoices, trigger);
  if (!r.ok) return r;
  return ok({
    ...r.value,
    failed: r.value.failed + missing.length,
    results: [...r.value.results, ...missing],
  });
}

/**
 * Creates CRM invoices (with their invoice products) for posted sales invoices and couples them
 * (mapping POSTEDSALESINV-INV), so an invoice is never created twice: an invoice already coupled
 * to an existing CRM invoice is reported as such. The CRM invoice's id is chosen and stored before
 * it is created, and its lines take the ERP lines' ids, so a retry after a lost answer or a crash
 * completes the same invoice instead of making a second one. A failure (customer or product not
 * coupled, …) is logged on the job with the invoice and does not stop the others.
 */
export async function createCrmInvoices(
  o: OutboundContext,
  invoices: readonly ApiRecord[],
  trigger: string,
): Promise<Result<CreateInvoicesReport>> {
  const mapping = requireMapping(o, INVOICE_MAPPING);
  if (!mapping.ok) return mapping;
  const db = o.engine.db;
  const counters = emptyCounters();
  const results: InvoiceResult[] = [];
  const existing = await couplingsByErpIds(
    db,
    'salesInvoices',
    invoices.map((i) => i.id),
  );
  const existingCrm = await o.engine.crm.get(
    'invoice',
    [...existing.values()].map((c) => c.crmId),
  );
  const isThere = (invoice: ApiRecord): string | undefined => {
    const c = existing.get(invoice.id);
    return existingCrm.ok && c?.state === 'coupled' && existingCrm.value.has(c.crmId)
      ? c.crmId
      : undefined;
  };
  // Every invoice already has its CRM invoice: nothing to do, so no job is opened for nothing.
  if (existingCrm.ok && invoices.every((i) => isThere(i)))
    return ok({
      jobId: null,
      created: 0,
      alreadyCoupled: invoices.length,
      failed: 0,
      results: invoices.map((i) => alreadyThere(String(i.number), isThere(i)!)),
      message: `Nothing to create: ${invoices.length === 1 ? 'the invoice is' : `all ${invoices.length} invoices are`} already coupled to an invoice in Dynamics 365 Sales; no job was run`,
    });
  const jobId = await beginJob(db, INVOICE_MAPPING, 'ToIntegrationTable', trigger);
  if (!existingCrm.ok) {
    await finishJob(db, jobId, counters, { status: 'failed', message: existingCrm.error.message });
    return existingCrm;
  }
  const createdIds: string[] = [];
  for (const invoice of invoices) {
    // The process's stop ends the run between invoices (each is created whole or resumed later).
    if (o.engine.signal?.aborted) {
      await closeStoppedJob(o, { jobId, name: INVOICE_MAPPING }, counters);
      o.engine.signal.throwIfAborted();
    }
    const number = String(invoice.number);
    const coupling = existing.get(invoice.id);
    const there = isThere(invoice);
    if (there) {
      counters.unchanged++;
      results.push(alreadyThere(number, there));
      continue;
    }
    // A coupled invoice whose CRM row is gone is created again; a pending one is completed.
    if (coupling?.state === 'coupled') await deleteCoupling(db, coupling.id);
    const resume = coupling?.state === 'pending';
    const crmId = resume ? coupling.crmId : newId();
    const outcome = await createOne(o, mapping.value, invoice, crmId, resume);
    if (outcome.ok) {
      const pending = (await couplingsByErpIds(db, 'salesInvoices', [invoice.id])).get(invoice.id);
      if (pending)
        await markSynced(db, pending.id, 'ToIntegrationTable', jobId, {
          erpSeq: Number(invoice['@changeSeq'] ?? 0) || null,
          crmVersion: null,
        });
      counters.inserted++;
      counters.coupled++;
      createdIds.push(invoice.id);
      results.push({
        number,
        outcome: 'created',
        crmInvoiceId: crmId,
        ...(outcome.value.salesOrderId ? { salesOrderId: outcome.value.salesOrderId } : {}),
        message: `Invoice ${number} was created in Dynamics 365 Sales${outcome.value.salesOrderId ? ' and linked to its sales order' : ''}`,
      });
    } else {
      counters.failed++;
      // Nothing was created: forget the chosen id so the next attempt starts clean.
      const pending = (await couplingsByErpIds(db, 'salesInvoices', [invoice.id])).get(invoice.id);
      if (pending?.state === 'pending' && !resume && !outcome.error.details)
        await deleteCoupling(db, pending.id);
      await logRecordError(db, jobId, INVOICE_MAPPING, 'ToIntegrationTable', {
        erpTable: 'salesInvoices',
        erpId: invoice.id,
        crmEntity: 'invoice',
        crmId: null,
        message: outcome.error.message,
      });
      results.push({ number, outcome: 'failed', message: outcome.error.message });
    }
  }
  if (createdIds.length > 0) {
    // A fresh invoice is Billed; one already (partly) paid shows that at once.
    const status = await updatePaymentStatus(o, createdIds);
    if (status.ok) counters.modified += status.value.modified;
  }
  await finishJob(db, jobId, counters, {
    status: 'succeeded',
    message: `${plural(counters.inserted, 'invoice')} created, ${counters.unchanged} already there, ${counters.failed} failed`,
  });
  return ok({
    jobId,
    created: counters.inserted,
    alreadyCoupled: counters.unchanged,
    failed: counters.failed,
    results,
  });
}

const alreadyThere = (number: string, crmInvoiceId: string): InvoiceResult => ({
  number,
  outcome: 'alreadyCoupled',
  crmInvoiceId,
  message: `Invoice ${number} is already coupled to an invoice in Dynamics 365 Sales`,
});

async function createOne(
  o: OutboundContext,
  mapping: Parameters<typeof invoiceHeaderValues>[1],
  invoice: ApiRecord,
  crmId: string,
  resume: boolean,
): Promise<Result<{ salesOrderId?: string }>> {
  const full = await getEntity(o.app.db, 'salesInvoices', invoice.id);
  if (!full.ok) return full;
  const order = await findOrderLink(o, full.value);
  if (!order.ok) return order;
  const header = await invoiceHeaderValues(o, mapping, full.value, order.value);
  if (!header.ok) return header;
  const lines = await invoiceLineValues(o, full.value, crmId);
  if (!lines.ok) return lines;
  if (!resume) {
    try {
      await insertPendingCouplings(
        o.engine.db,
        { mappingName: INVOICE_MAPPING, erpTable: 'salesInvoices', crmEntity: 'invoice' },
        [{ erpId: invoice.id, crmId }],
      );
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      return {
        ok: false,
        error: {
          code: 'in_progress',
          message: `Invoice ${String(invoice.number)} is being created in Dynamics 365 Sales by another request`,
          details: { retry: true },
        },
      };
    }
  }
  const writes: CrmWrite[] = [
    { kind: 'create', entity: 'invoice', id: crmId, values: header.value },
    ...lines.value.map(
      (l): CrmWrite => ({ kind: 'create', entity: 'invoicedetail', id: l.id, values: l.values }),
    ),
  ];
  const written = await o.engine.crm.write(writes);
  if (!written.ok) return { ok: false, error: { ...written.error, details: { retry: true } } };
  const bad = written.value.findIndex((w) => !w.ok);
  if (bad >= 0) {
    const w = written.value[bad] as { message: string };
    return {
      ok: false,
      error: {
        code: 'crm_write_failed',
        message: `Dynamics 365 Sales refused ${bad === 0 ? 'the invoice' : `line ${bad}`} of invoice ${String(invoice.number)}: ${w.message}`,
        // The header may exist already: keep the chosen id so a retry completes it.
        ...(bad > 0 ? { details: { retry: true } } : {}),
      },
    };
  }
  return ok(order.value ? { salesOrderId: order.value.salesOrderId } : {});
}
