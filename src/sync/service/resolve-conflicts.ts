import { failure, ok, type Result } from '../../shared/result.ts';
import {
  type ConflictEntry,
  conflictsByIds,
  type Resolution,
  setBaselineColumn,
  transitionConflict,
} from '../conflicts/conflict-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { transferFields } from '../engine/field-transfer.ts';
import { beginJob, finishJob, recordWrite } from '../engine/job-log.ts';
import { couplingLookups } from '../engine/lookups.ts';
import { sameValue } from '../engine/values.ts';
import { syncFailure } from '../errors.ts';
import { emptyCounters, type PassDirection, type TableMapping } from '../model.ts';

/** How a user settles an entry: keep the ERP's value, the CRM's, or a value typed (as the ERP stores it). */
export type ResolveChoice =
  | { readonly take: 'erp' | 'crm' }
  | { readonly take: 'value'; readonly value: unknown };

export interface ResolvedEntry {
  readonly id: string;
  readonly erpValue: unknown;
  readonly crmValue: unknown;
  /** Which sides were written (none when both already held the chosen value). */
  readonly written: readonly ('erp' | 'crm')[];
  readonly jobId: string;
}

/**
 * Resolves one open inbox entry (docs/sync-engine.md, "Update conflicts"): reads both records as
 * they are now, writes the chosen value to each side that does not hold it (ERP first; when the CRM
 * refuses, the ERP gets its old value back, so nothing is half done), records the writes in the
 * write history under a job of their own, records the value as agreed and moves the coupling's
 * synchronized versions past the writes, so the next run sees no conflict. Then the entry is resolved.
 */
export async function resolveConflict(
  ctx: EngineContext,
  id: string,
  choice: ResolveChoice,
  by: string,
  now: Date,
): Promise<Result<ResolvedEntry>> {
  const [entry] = await conflictsByIds(ctx.db, [id]);
  if (!entry) return failure('conflict_not_found', `No conflict-inbox entry ${id}`);
  if (entry.state !== 'open')
    return failure(
      'conflict_not_open',
      `Conflict-inbox entry ${id} is already ${entry.state === 'aged_out' ? 'aged out' : 'resolved'}`,
    );
  const m = ctx.mappings.get(entry.mapping);
  const field = m?.fields.find(
    (f) => f.erpField === entry.erpField && f.crmField === entry.crmField,
  );
  if (!m || !field)
    return failure(
      'conflict_value_invalid',
      `Mapping ${entry.mapping} no longer maps ${entry.erpField} ⇄ ${entry.crmField}; the entry cannot be resolved`,
    );
  const one: TableMapping = { ...m, fields: [{ ...field, notNull: false }] };
  const erpRow = (await ctx.erp.get(m.erpTable, [entry.erpId])).get(entry.erpId);
  const crmRows = await ctx.crm.get(m.crmEntity, [entry.crmId]);
  if (!crmRows.ok) return crmRows;
  const crmRow = crmRows.value.get(entry.crmId);
  if (!erpRow || !crmRow)
    return failure(
      'conflict_value_invalid',
      `The coupled ${erpRow ? m.crmEntity : m.erpTable} record no longer exists; the entry cannot be resolved`,
    );
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  const values = await chosenValues(one, entry, choice, erpRow.values, crmRow.values, lookups);
  if (!values.ok) return values;
  const { erpValue, crmValue } = values.value;
  const pass: PassDirection = choice.take === 'crm' ? 'FromIntegrationTable' : 'ToIntegrationTable';
  const jobId = await beginJob(ctx.db, m.name, pass, 'conflictResolution');
  const counters = emptyCounters();
  const written: ('erp' | 'crm')[] = [];
  const erpBefore = erpRow.values[entry.erpField] ?? null;
  let erpSeq: number | null = null;
  if (!sameValue(erpValue, erpBefore)) {
    const updated = await ctx.erp.update(m.erpTable, entry.erpId, { [entry.erpField]: erpValue });
    if (!updated.ok) {
      await finishJob(ctx.db, jobId, counters, {
        status: 'failed',
        message: updated.error.message,
      });
      return failure(
        'conflict_value_invalid',
        `The ERP refused ${entry.erpField} = ${JSON.stringify(erpValue)}: ${updated.error.message}`,
      );
    }
    erpSeq = updated.value.changeSeq;
    written.push('erp');
  }
  let crmVersion: number | null = null;
  if (!sameValue(crmValue, crmRow.values[entry.crmField])) {
    const res = await ctx.crm.write([
      {
        kind: 'update',
        entity: m.crmEntity,
        id: entry.crmId,
        values: { [entry.crmField]: crmValue },
      },
    ]);
    const r = res.ok ? res.value[0] : undefined;
    if (!r?.ok) {
      const message = res.ok ? (r?.message ?? 'no answer') : res.error.message;
      // Undo the ERP half: the entry stays open with both sides as they were.
      if (erpSeq !== null)
        await ctx.erp.update(m.erpTable, entry.erpId, { [entry.erpField]: erpBefore });
      await finishJob(ctx.db, jobId, counters, { status: 'failed', message });
      return failure(
        'conflict_value_invalid',
        `Dynamics 365 Sales refused ${entry.crmField} = ${JSON.stringify(crmValue)}: ${message}`,
      );
    }
    crmVersion = r.version;
    written.push('crm');
  }
  for (const side of written)
    await recordWrite(ctx.db, {
      jobId,
      mappingName: m.name,
      side,
      recordId: side === 'erp' ? entry.erpId : entry.crmId,
      action: 'modify',
      before:
        side === 'erp'
          ? { [entry.erpField]: erpBefore }
          : { [entry.crmField]: crmRow.values[entry.crmField] ?? null },
      after: side === 'erp' ? { [entry.erpField]: erpValue } : { [entry.crmField]: crmValue },
    });
  await ctx.db.query(
    `UPDATE integration.couplings SET
       last_synced_erp_seq = greatest(coalesce(last_synced_erp_seq, 0), coalesce($2, 0)),
       last_synced_crm_version = greatest(coalesce(last_synced_crm_version, 0), coalesce($3, 0)),
       updated_at = now()
     WHERE id = $1`,
    [entry.couplingId, erpSeq, crmVersion],
  );
  await setBaselineColumn(ctx.db, entry.couplingId, entry.crmField, crmValue);
  counters[written.length > 0 ? 'modified' : 'unchanged']++;
  const done = await transitionConflict(ctx.db, id, 'resolved', now, {
    take: choice.take,
    value: choice.take === 'value' ? choice.value : choice.take === 'erp' ? erpValue : crmValue,
    by,
  });
  await finishJob(ctx.db, jobId, counters, {
    status: 'succeeded',
    message: `conflict ${entry.erpField} ⇄ ${entry.crmField} resolved (${choice.take})`,
  });
  if (!done)
    return failure('conflict_not_open', `Conflict-inbox entry ${id} was resolved by someone else`);
  ctx.logger.info(
    { conflictId: id, mapping: m.name, field: entry.erpField, take: choice.take, written, jobId },
    'conflict resolved',
  );
  return ok({ id, erpValue, crmValue, written, jobId });
}

/** The value each side gets: the chosen side's as it is now, translated for the other side. */
async function chosenValues(
  one: TableMapping,
  entry: ConflictEntry,
  choice: ResolveChoice,
  erp: Readonly<Record<string, unknown>>,
  crm: Readonly<Record<string, unknown>>,
  lookups: ReturnType<typeof couplingLookups>,
): Promise<Result<{ erpValue: unknown; crmValue: unknown }>> {
  if (choice.take === 'crm') {
    const t = await transferFields(one, 'FromIntegrationTable', crm, undefined, lookups);
    if (t.failure) return invalid(entry, t.failure.message);
    return ok({
      erpValue: t.changes[entry.erpField] ?? null,
      crmValue: crm[entry.crmField] ?? null,
    });
  }
  let source = erp;
  if (choice.take === 'value') {
    const typed = asFieldValue(choice.value, erp[entry.erpField]);
    if (typed === undefined) return invalid(entry, `expected ${describe(erp[entry.erpField])}`);
    source = { ...erp, [entry.erpField]: typed };
  }
  const t = await transferFields(one, 'ToIntegrationTable', source, undefined, lookups);
  if (t.failure) return invalid(entry, t.failure.message);
  return ok({
    erpValue: source[entry.erpField] ?? null,
    crmValue: t.changes[entry.crmField] ?? null,
  });
}

const invalid = (entry: ConflictEntry, why: string): Result<never> => ({
  ok: false,
  error: syncFailure(
    'conflict_value_invalid',
    `The value for ${entry.erpField} ⇄ ${entry.crmField} cannot be used: ${why}`,
  ),
});

/**
 * A typed value as the field holds it, or undefined when it does not fit: a number field takes a
 * number (or text that is one), a true/false field a boolean, anything else text.
 */
function asFieldValue(value: unknown, current: unknown): unknown {
  if (value === null || value === '') return null;
  if (typeof current === 'number') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  }
  if (typeof current === 'boolean') {
    if (typeof value === 'boolean') return value;
    return value === 'true' ? true : value === 'false' ? false : undefined;
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

const describe = (current: unknown): string =>
  typeof current === 'number'
    ? 'a number'
    : typeof current === 'boolean'
      ? 'true or false'
      : 'text';

export type { Resolution };
