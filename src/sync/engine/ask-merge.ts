import type { PassDirection, TableMapping } from '../model.ts';
import type { LookupTranslator, TransferOutcome } from './field-transfer.ts';
import { transferFields } from './field-transfer.ts';
import { sameValue } from './values.ts';

/**
 * The update-conflict policy `ask` (docs/sync-engine.md, "Update conflicts"): a bidirectional field
 * changed on both sides since they last agreed is held back for a user to settle in the conflict
 * inbox; every other field synchronizes. Pure apart from lookup translation, like the rest of
 * planning; the pass stores what it decides (ask-settle.ts).
 */

/** What the inbox knows of a coupled record before planning. */
export interface AskState {
  /** The CRM values of the bidirectional columns as both sides last agreed on them; a column
   * missing is unknown (then any difference counts as changed on both sides). */
  readonly baseline: Readonly<Record<string, unknown>> | undefined;
  /** Field pairs with an open entry (`erpField|crmField`): neither pass writes them. */
  readonly open: ReadonlySet<string>;
  /** The integration wrote the record while its sides did not agree (a refused write-back, an
   * undo): its versions hide what a user changed, so every differing field is compared with the
   * baseline as when both sides changed. */
  readonly unsettled?: boolean;
}

/** One field pair held back, with both values as each side stores them. */
export interface ConflictField {
  readonly erpField: string;
  readonly crmField: string;
  readonly erpValue: unknown;
  readonly crmValue: unknown;
  /** The CRM value as the ERP would store it (a lookup's code rather than its GUID). */
  readonly crmValueInErp: unknown;
}

/** What `ask` adds to a record's plan. */
export interface AskOutcome {
  /** Field pairs held back: new conflicts and open entries whose values still differ. */
  readonly conflicts: readonly ConflictField[];
  /** Values for the pass's source side: fields only the destination side changed, which the
   * pass writes back after its own write (the other pass then sees nothing left to do). */
  readonly counterpart: Readonly<Record<string, unknown>>;
  /** The CRM values of the bidirectional columns once the plan is carried out. */
  readonly baseline: Readonly<Record<string, unknown>>;
  /** The baseline to save when the source side refuses the write-back (only with a counterpart):
   * the pass's own writes are agreed, the pairs written back keep their old agreed value. */
  readonly baselineIfRefused?: Readonly<Record<string, unknown>>;
  /** Field pairs with an open entry whose two values are the same again (somebody settled it
   * on one side): their entries close. */
  readonly agreed?: readonly { readonly erpField: string; readonly crmField: string }[];
}

export const pairKey = (p: { erpField: string; crmField: string }): string =>
  `${p.erpField}|${p.crmField}`;

type FieldPair = { readonly erpField: string; readonly crmField: string };
// Asked for each record a pass plans; a mapping's fields do not change while it runs.
const pairsOf = new WeakMap<TableMapping, readonly FieldPair[]>();

/** The enabled bidirectional field pairs of a mapping. */
export function bidirectionalPairs(m: TableMapping): readonly FieldPair[] {
  let pairs = pairsOf.get(m);
  if (!pairs) {
    pairs = m.fields
      .filter((f) => f.enabled && f.direction === 'Bidirectional' && f.erpField && f.crmField)
      .map((f) => ({ erpField: f.erpField!, crmField: f.crmField! }));
    pairsOf.set(m, pairs);
  }
  return pairs;
}

/** The baseline after a write that leaves the CRM with `crmAfter`, except the held fields. */
export function baselineAfter(
  m: TableMapping,
  crmAfter: Readonly<Record<string, unknown>>,
  previous: Readonly<Record<string, unknown>> | undefined,
  held: readonly { erpField: string; crmField: string }[] = [],
): Record<string, unknown> {
  const heldColumns = new Set(held.map((h) => h.crmField));
  const out: Record<string, unknown> = {};
  for (const p of bidirectionalPairs(m)) {
    if (heldColumns.has(p.crmField)) {
      if (previous && p.crmField in previous) out[p.crmField] = previous[p.crmField];
    } else if (p.crmField in crmAfter) out[p.crmField] = crmAfter[p.crmField] ?? null;
  }
  return out;
}

/**
 * Splits the differences of a coupled record whose source changed: fields only the source side
 * changed go to the destination (`changes`), fields only the destination side changed go back
 * (`counterpart`), fields changed on both sides and fields with an open entry are held.
 * `forward` is the pass's own transfer; `destinationChanged` whether the other side changed too.
 */
export async function planAsk(input: {
  readonly m: TableMapping;
  readonly pass: PassDirection;
  readonly forward: TransferOutcome;
  readonly source: Readonly<Record<string, unknown>>;
  readonly destination: Readonly<Record<string, unknown>>;
  readonly destinationChanged: boolean;
  readonly state: AskState | undefined;
  readonly lookups: LookupTranslator;
}): Promise<{ changes: Record<string, unknown>; ask: AskOutcome }> {
  const { m, pass, forward } = input;
  const toCrm = pass === 'ToIntegrationTable';
  const erpValues = toCrm ? input.source : input.destination;
  const crmValues = toCrm ? input.destination : input.source;
  // The other direction's transfer: the values the source side would get from the destination.
  const back = await transferFields(
    m,
    toCrm ? 'FromIntegrationTable' : 'ToIntegrationTable',
    input.destination,
    input.source,
    input.lookups,
  );
  const baseline = input.state?.baseline;
  const open = input.state?.open ?? new Set<string>();
  const changes = { ...forward.changes };
  const counterpart: Record<string, unknown> = {};
  const conflicts: ConflictField[] = [];
  const agreed: { erpField: string; crmField: string }[] = [];
  const writtenBack: FieldPair[] = [];
  for (const p of bidirectionalPairs(m)) {
    const [own, other] = toCrm ? [p.crmField, p.erpField] : [p.erpField, p.crmField];
    if (!(own in forward.changes)) {
      if (open.has(pairKey(p)) && !(other in back.changes)) agreed.push(p);
      continue;
    }
    const erpAsCrm = toCrm ? forward.changes[p.crmField] : back.changes[p.crmField];
    const crmAsErp = toCrm ? back.changes[p.erpField] : forward.changes[p.erpField];
    let hold = open.has(pairKey(p));
    let goesBack = false;
    if (!hold && input.destinationChanged) {
      const known = baseline !== undefined && p.crmField in baseline;
      const erpChanged = !known || !sameValue(erpAsCrm, baseline[p.crmField]);
      const crmChanged = !known || !sameValue(crmValues[p.crmField], baseline[p.crmField]);
      const sourceChanged = toCrm ? erpChanged : crmChanged;
      hold = erpChanged && crmChanged;
      goesBack = !hold && !sourceChanged;
    }
    if (hold) {
      delete changes[own];
      conflicts.push({
        erpField: p.erpField,
        crmField: p.crmField,
        erpValue: erpValues[p.erpField] ?? null,
        crmValue: crmValues[p.crmField] ?? null,
        crmValueInErp: crmAsErp ?? null,
      });
    } else if (goesBack) {
      delete changes[own];
      if (other in back.changes) {
        counterpart[other] = back.changes[other];
        writtenBack.push(p);
      }
    }
  }
  const crmAfter = toCrm ? { ...crmValues, ...changes } : { ...crmValues, ...counterpart };
  return {
    changes,
    ask: {
      conflicts,
      counterpart,
      baseline: baselineAfter(m, crmAfter, baseline, conflicts),
      ...(writtenBack.length > 0
        ? {
            baselineIfRefused: baselineAfter(m, toCrm ? crmAfter : crmValues, baseline, [
              ...conflicts,
              ...writtenBack,
            ]),
          }
        : {}),
      ...(agreed.length > 0 ? { agreed } : {}),
    },
  };
}
