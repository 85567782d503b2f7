import { restoreBaselineColumns } from '../conflicts/conflict-repo.ts';
import { bidirectionalPairs } from '../engine/ask-merge.ts';
import type { EngineContext } from '../engine/context.ts';
import { transferFields } from '../engine/field-transfer.ts';
import { couplingLookups } from '../engine/lookups.ts';
import type { TableMapping } from '../model.ts';
import type { RestoreStep } from './undo-plan.ts';

/**
 * Policy `ask` (docs/sync-engine.md, "Undo a job"): the fields an undo put back become the agreed
 * values of their records, as a synchronization writing them would make them — else the conflict
 * baselines would still hold what the undone job agreed on, and the next edits would open needless
 * conflicts or miss real ones. The records are marked unsettled: the undo's writes are the
 * integration's own, so by its versions the other side looks unchanged even where a user changed
 * it before the undone job (the CRM's website an `ask` job wrote back to the ERP), and the next
 * pass must compare every field with the agreed values. Baselines are in the CRM's representation:
 * an ERP field put back is translated as the ERP → CRM pass would send it.
 */
export async function settleUndoBaselines(
  ctx: EngineContext,
  m: TableMapping,
  restored: readonly RestoreStep[],
): Promise<void> {
  if (m.updateConflict !== 'ask' || m.direction !== 'Bidirectional') return;
  const pairs = bidirectionalPairs(m);
  const lookups = couplingLookups(ctx.db, ctx.erp, ctx.crm, ctx.mappings);
  // One entry per coupling: an `ask` job's write-back puts both of a pair's records in the undo.
  const items = new Map<string, Record<string, unknown>>();
  for (const s of restored) {
    if (!s.coupling) continue;
    const crmValues = items.get(s.coupling.id) ?? {};
    items.set(s.coupling.id, crmValues);
    if (s.side === 'crm') {
      for (const p of pairs)
        if (p.crmField in s.changes) crmValues[p.crmField] = s.changes[p.crmField] ?? null;
    } else {
      const fields = new Set(pairs.filter((p) => p.erpField in s.changes).map((p) => p.erpField));
      const only: TableMapping = {
        ...m,
        fields: m.fields
          .filter(
            (f) => f.enabled && f.direction === 'Bidirectional' && fields.has(f.erpField ?? ''),
          )
          .map((f) => ({ ...f, notNull: false })),
      };
      const t = await transferFields(only, 'ToIntegrationTable', s.changes, undefined, lookups);
      // A value that cannot be translated now (its lookup no longer coupled) keeps its old
      // agreed value; the unsettled mark still has the next pass compare the record.
      if (!t.failure)
        for (const f of only.fields) crmValues[f.crmField!] = t.changes[f.crmField!] ?? null;
    }
  }
  await restoreBaselineColumns(
    ctx.db,
    [...items].map(([couplingId, crmValues]) => ({ couplingId, crmValues })),
  );
}
