import type { Result } from '../../shared/result.ts';
import type { SyncFailure } from '../errors.ts';
import type { FieldMapping, PassDirection, TableMapping } from '../model.ts';
import { fieldCovers } from '../model.ts';
import { constantValue, isEmpty, sameValue, transform } from './values.ts';

/** Translates lookup values through couplings; a failure names what must be coupled first. */
export interface LookupTranslator {
  /** `value` is null when the source is empty (the translator decides what empty means). */
  translate(
    field: FieldMapping,
    value: unknown,
    pass: PassDirection,
  ): Promise<Result<unknown, SyncFailure>>;
  /** What `translate` answered before for the same lookup, value and pass (undefined: not yet). */
  cached?(
    field: FieldMapping,
    value: unknown,
    pass: PassDirection,
  ): Result<unknown, SyncFailure> | undefined;
  /** Prepares the lookups of many source rows (their values) at once, before they are translated. */
  warm?(
    m: TableMapping,
    pass: PassDirection,
    sources: readonly Readonly<Record<string, unknown>>[],
  ): Promise<void>;
  /** The CRM entity's create-only columns, which an update toward the CRM never writes. */
  createOnly?(entity: string): ReadonlySet<string>;
}

export interface TransferOutcome {
  /** Destination fields to write (all mapped fields on insert; only differing ones on update). */
  readonly changes: Record<string, unknown>;
  /** The first bidirectional field pair whose values differ, for conflict detection and messages. */
  readonly bidirectionalDifference?: { readonly erpField: string; readonly crmField: string };
  /** Every bidirectional field pair whose values differ (the conflict inbox holds each back). */
  readonly bidirectionalDifferences?: readonly {
    readonly erpField: string;
    readonly crmField: string;
  }[];
  /** A field that could not be transferred (lookup not coupled, …): the record fails. */
  readonly failure?: SyncFailure;
}

/**
 * Computes what a pass would write to the destination: the source values of every enabled field
 * mapping that covers the pass, transformed, translated and compared with the destination's
 * current values (compare-before-write). Pure apart from lookup translation.
 */
export async function transferFields(
  mapping: TableMapping,
  pass: PassDirection,
  source: Readonly<Record<string, unknown>>,
  destination: Readonly<Record<string, unknown>> | undefined,
  lookups: LookupTranslator,
): Promise<TransferOutcome> {
  const toCrm = pass === 'ToIntegrationTable';
  const changes: Record<string, unknown> = {};
  const differences: { erpField: string; crmField: string }[] = [];
  // Set on create, kept afterwards: the CRM refuses an update that changes one.
  const fixed = toCrm && destination ? lookups.createOnly?.(mapping.crmEntity) : undefined;
  for (const field of mapping.fields) {
    if (!field.enabled || !fieldCovers(field.direction, pass)) continue;
    const srcName = toCrm ? field.erpField : field.crmField;
    const dstName = toCrm ? field.crmField : field.erpField;
    if (!dstName || fixed?.has(dstName)) continue;
    let value: unknown;
    if (!srcName) {
      if (field.constantValue === undefined) continue;
      // A constant for a column the destination does not report (a lookup's type column such
      // as owneridtype) is part of a create; on an update it would look changed every time.
      if (destination && !(dstName in destination)) continue;
      value = toCrm ? constantValue(field.constantValue) : field.constantValue;
    } else {
      value = transform(source[srcName], field.transformation);
      if (field.lookup) {
        // Empty goes to the translator too: the local currency is blank in the ERP but the
        // organization's base currency in the CRM.
        const key = isEmpty(value) ? null : value;
        const translated =
          lookups.cached?.(field, key, pass) ?? (await lookups.translate(field, key, pass));
        if (!translated.ok) {
          if (field.clearOnFailedSync) value = null;
          else return { changes, failure: translated.error };
        } else {
          value = translated.value;
        }
      }
    }
    if (field.notNull && isEmpty(value)) continue;
    if (isLookupValue(value) && field.notNull && value.id === null) continue;
    const current = destination?.[dstName];
    if (destination && sameValue(value, current)) continue;
    changes[dstName] = value;
    if (destination && field.direction === 'Bidirectional' && field.erpField && field.crmField) {
      differences.push({ erpField: field.erpField, crmField: field.crmField });
    }
  }
  return differences.length > 0
    ? { changes, bidirectionalDifference: differences[0], bidirectionalDifferences: differences }
    : { changes };
}

const isLookupValue = (v: unknown): v is { id: string | null } =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v;
