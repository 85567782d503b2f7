import { restoreBaselineColumns } from '../conflicts/conflict-repo.ts';
import { bidirectionalPairs } from '../engine/ask-merge.ts';
import type { EngineContext } from '../engine/context.ts';
import { transferFields } from '../engine/field-transfer.ts';
import { couplingLookups } from '../engine/lookups.ts';
import { sameValue } from '../engine/values.ts';
import type { TableMapping } from '../model.ts';
import type { RestoreStep } from './undo-plan.ts';

/**
 * Policy `ask` (docs/sync-engine.md, "Undo a job"): the fields an undo put back become the agreed
 * values of their records, as a synchronization writing them would make them — else the conflict
 * baselines would still hold what the undone job agreed on, and the next edits would open needless
 * conflicts or miss real ones. A synchronization job wrote a field only where its side had not
 * changed it, so the value put back is the one both sides agreed on before the job. Not so for a
 * job that settled conflict-inbox entries (`undoesResolution`), nor where the undo puts back
 * different values on the two sides of one field pair: both sides had changed it, so the pair's
 * agreed value becomes unknown and the next pass holds it in the inbox again.
 * The records are marked unsettled: the undo's writes are the integration's own, so by its
 * versions the other side looks unchanged even where a user changed it before the undone job (the
 * CRM's website an `ask` job wrote back to the ERP), and the next pass must compare every field
 * with the agreed values. Baselines are in the CRM's representation: an ERP field put back is
 * translated as the ERP → CRM pass would send it.
 */
export async function settleUndoBaselines(
  ctx: EngineContext,
  m: TableMapping,
  restored: readonly RestoreStep[],
  undoesResolution: boolean,
): Promise<void> {
  if (m.updateConflict !== 'ask' || m.direction !== 'Bidirectional') return;
  const pairs = bidirectionalPairs(m);
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  // One entry per coupling: an `ask` job's write-back puts both of a pair's records in the undo.
  const items = new Map<string, { values: Record<string, unknown>; unknown: Set<string> }>();
  for (const s of restored) {
    if (!s.coupling) continue;
    const item = items.get(s.coupling.id) ?? { values: {}, unknown: new Set<string>() };
    items.set(s.coupling.id, item);
    const agreed = (column: string, value: unknown) => {
      if (undoesResolution || (column in item.values && !sameValue(item.values[column], value)))
        item.unknown.add(column);
      item.values[column] = value ?? null;
    };
    if (s.side === 'crm') {
      for (const p of pairs) if (p.crmField in s.changes) agreed(p.crmField, s.changes[p.crmField]);
      continue;
    }
    const fields = new Set(pairs.filter((p) => p.erpField in s.changes).map((p) => p.erpField));
    const only: TableMapping = {
      ...m,
      fields: m.fields
        .filter((f) => f.enabled && f.direction === 'Bidirectional' && fields.has(f.erpField ?? ''))
        .map((f) => ({ ...f, notNull: false })),
    };
    const t = await transferFields(only, 'ToIntegrationTable', s.changes, undefined, lookups);
    // A value that cannot be translated now (its lookup no longer coupled) keeps its old agreed
    // value; the unsettled mark still has the next pass compare the record.
    if (!t.failure) for (const f of only.fields) agreed(f.crmField!, t.changes[f.crmField!]);
  }
  await restoreBaselineColumns(
    ctx.db,
    [...items].map(([couplingId, { values, unknown }]) => ({
      couplingId,
      crmValues: Object.fromEntries(Object.entries(values).filter(([k]) => !unknown.has(k))),
      unknown: [...unknown],
    })),
  );
}
