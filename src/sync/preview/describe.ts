import { agree, plural } from '../../shared/plural.ts';
import type { InStepEcho } from '../engine/echoes.ts';
import { type LookupTranslator, transferFields } from '../engine/field-transfer.ts';
import type { RecordPlan } from '../engine/plan-records.ts';
import type { PassDirection, TableMapping } from '../model.ts';
import type { CrmRecord, ErpRecord } from '../ports.ts';
import { nameOf } from '../record-names.ts';
import type { ConflictPair, FieldChange, PreviewDetail } from './preview-model.ts';
import { lookupId } from './virtual-state.ts';

type SideRecord = ErpRecord | CrmRecord;

const SKIP_REASONS = {
  'coupling-skipped': 'The record is marked as skipped; restore it first',
  'conflict-lost':
    "Both records changed: the other side wins by the mapping's update conflict policy, and the other pass brings its values",
} as const;

/**
 * A record's plan in the words of a preview: the action users think in, the field-level
 * before → after of a write, and for an update conflict every bidirectional field pair that differs
 * (the plan names only the first). Under policy `ask`, the fields held for the conflict inbox and
 * the write back to the source side (fields only the other side changed) come with it. Nothing for
 * records a run leaves out without counting them.
 */
export async function describePlan<S extends SideRecord, D extends SideRecord>(
  m: TableMapping,
  pass: PassDirection,
  p: RecordPlan<S, D>,
  lookups: LookupTranslator,
): Promise<PreviewDetail[]> {
  const main = await describeAction(m, pass, p, lookups);
  if (!main) return [];
  const a = p.action;
  const settled = a.kind === 'update' || (a.kind === 'unchanged' && a.markSynced);
  if (!p.ask || !settled) return [main];
  const held = p.ask.conflicts.map(({ erpField, crmField, erpValue, crmValue }) => ({
    erpField,
    crmField,
    erpValue,
    crmValue,
  }));
  const agreed = p.ask.agreed?.length ?? 0;
  const notes = [
    held.length > 0
      ? `${plural(held.length, 'field')} changed on both sides ${agree(held.length, 'goes', 'go')} to the conflict inbox; the other fields synchronize`
      : '',
    agreed > 0
      ? `${plural(agreed, 'conflict inbox entry', 'conflict inbox entries')} ${agree(agreed, 'closes', 'close')}: both sides hold the same value again`
      : '',
  ].filter(Boolean);
  const out: PreviewDetail[] = [
    {
      ...main,
      ...(held.length > 0 ? { conflicts: held } : {}),
      ...(notes.length > 0 ? { message: notes.join('; ') } : {}),
    },
  ];
  const back = p.ask.counterpart;
  if (Object.keys(back).length > 0)
    out.push({
      direction: pass,
      side: pass === 'ToIntegrationTable' ? 'erp' : 'crm',
      action: 'modify',
      erpId: main.erpId,
      crmId: main.crmId,
      name: main.name,
      changes: fieldChanges(back, p.source.values),
      writeBack: true,
      message:
        pass === 'ToIntegrationTable'
          ? 'written back to the ERP (changed only in Dynamics 365 Sales)'
          : 'written back to Dynamics 365 Sales (changed only in the ERP)',
    });
  return out;
}

/**
 * An ERP echo no pass of a full run reads (`echoesInStep`): counted unchanged by the ERP → CRM
 * pass, as the run counts it.
 */
export const describeInStep = (m: TableMapping, e: InStepEcho): PreviewDetail => ({
  direction: 'ToIntegrationTable',
  side: 'crm',
  action: 'unchanged',
  erpId: e.record.id,
  crmId: e.coupling.crmId,
  name: nameOf('erp', m.erpTable, e.record.values),
  message:
    'The integration wrote both records last: neither changed since it synchronized them, so neither pass reads them',
});

async function describeAction<S extends SideRecord, D extends SideRecord>(
  m: TableMapping,
  pass: PassDirection,
  p: RecordPlan<S, D>,
  lookups: LookupTranslator,
): Promise<PreviewDetail | undefined> {
  const toCrm = pass === 'ToIntegrationTable';
  const ids = toCrm
    ? { erpId: p.source.id, crmId: p.coupling?.crmId ?? null }
    : { erpId: p.coupling?.erpId ?? null, crmId: p.source.id };
  const base = {
    direction: pass,
    side: toCrm ? 'crm' : 'erp',
    ...ids,
    name: toCrm
      ? nameOf('erp', m.erpTable, p.source.values)
      : nameOf('crm', m.crmEntity, p.source.values),
  } as const;
  const a = p.action;
  switch (a.kind) {
    case 'ignore':
      return undefined;
    case 'skip':
      return { ...base, action: 'skip', message: SKIP_REASONS[a.reason] };
    case 'unchanged':
      return { ...base, action: 'unchanged' };
    case 'uncouple':
      return {
        ...base,
        action: 'uncouple',
        message:
          'The coupled record was deleted: the coupling is removed (deletion conflict policy)',
      };
    case 'create':
      return {
        ...base,
        action: 'insert',
        changes: fieldChanges(a.values, undefined),
        ...(p.dropCoupling
          ? {
              message:
                'The coupled record was deleted: it is created again and coupled anew (deletion conflict policy)',
            }
          : {}),
      };
    case 'update':
      return { ...base, action: 'modify', changes: fieldChanges(a.changes, p.destination?.values) };
    case 'fail':
      if (a.failure.code !== 'update_conflict')
        return { ...base, action: 'fail', message: a.failure.message };
      return {
        ...base,
        action: 'conflict',
        message: a.failure.message,
        conflicts: await conflictPairs(m, pass, p, lookups),
      };
  }
}

function fieldChanges(
  values: Readonly<Record<string, unknown>>,
  before: Readonly<Record<string, unknown>> | undefined,
): FieldChange[] {
  return Object.entries(values).map(([field, after]) => ({
    field,
    before: before ? (before[field] ?? null) : null,
    after: lookupId(after) ?? null,
  }));
}

/** Every bidirectional field pair whose values differ, with both sides' values. */
async function conflictPairs<S extends SideRecord, D extends SideRecord>(
  m: TableMapping,
  pass: PassDirection,
  p: RecordPlan<S, D>,
  lookups: LookupTranslator,
): Promise<ConflictPair[]> {
  if (!p.destination) return [];
  const t = await transferFields(m, pass, p.source.values, p.destination.values, lookups);
  const toCrm = pass === 'ToIntegrationTable';
  const [erp, crm] = toCrm
    ? [p.source.values, p.destination.values]
    : [p.destination.values, p.source.values];
  return m.fields
    .filter(
      (f) =>
        f.enabled &&
        f.direction === 'Bidirectional' &&
        f.erpField &&
        f.crmField &&
        (toCrm ? f.crmField : f.erpField)! in t.changes,
    )
    .map((f) => ({
      erpField: f.erpField!,
      crmField: f.crmField!,
      erpValue: erp[f.erpField!] ?? null,
      crmValue: crm[f.crmField!] ?? null,
    }));
}
