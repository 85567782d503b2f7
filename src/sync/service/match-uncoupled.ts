import { agree, plural } from '../../shared/plural.ts';
import {
  couplingsByCrmIds,
  couplingsByErpIds,
  couplingTables,
  insertCoupledPairs,
} from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { beginJob, finishJob, logRecordError } from '../engine/job-log.ts';
import { resolveJournaledCreates } from '../engine/pending-creates.ts';
import { type PassReport, runMapping } from '../engine/run-mapping.ts';
import { isEmpty, matchesFilter } from '../engine/values.ts';
import { passFailed } from '../errors.ts';
import {
  emptyCounters,
  type FieldMapping,
  type PassDirection,
  type TableMapping,
} from '../model.ts';

export interface UncoupledMatch {
  /** The coupling job, or null when there was nothing to match (no job ran). */
  readonly jobId: string | null;
  /** Pairs coupled now. */
  readonly matched: number;
  /** ERP records left uncoupled because more than one record could be their match. */
  readonly ambiguous: number;
  /** The ambiguous ERP records and their CRM candidates: neither side may be created anew. */
  readonly heldErpIds: ReadonlySet<string>;
  readonly heldCrmIds: ReadonlySet<string>;
}

/** The fields a mapping matches on: flagged for matching, plain values on both sides. */
export function matchCriteria(m: TableMapping): FieldMapping[] {
  return m.fields.filter(
    (f) => f.enabled && f.useForMatching && f.erpField && f.crmField && !f.lookup,
  );
}

const keyOf = (v: unknown, caseSensitive: boolean): string =>
  typeof v === 'string' ? (caseSensitive ? v : v.toLowerCase()) : JSON.stringify(v);

/** One side's values of a criterion group, joined (text case-insensitive unless flagged). */
function groupKey(
  values: Readonly<Record<string, unknown>>,
  side: 'erpField' | 'crmField',
  fields: readonly FieldMapping[],
): string {
  return fields.map((f) => keyOf(values[f[side]!], f.caseSensitiveMatching)).join('\u0000');
}

/**
 * Couples, before a full synchronization, the uncoupled records of both sides that match on the
 * mapping's match fields (priority group by priority group, like match-based coupling), in bulk:
 * the CRM side is read once, the ERP side page by page. A pair is coupled only when it is
 * unambiguous both ways — the ERP record has exactly one uncoupled candidate and no other ERP
 * record has that candidate. Records with several candidates stay uncoupled, are logged as errors
 * of the coupling job and are returned as held, so the full synchronization creates neither them
 * nor their candidates (a person couples them). Running it again couples nothing twice: coupled
 * records are left out on both sides.
 */
export async function matchUncoupledRecords(
  ctx: EngineContext,
  m: TableMapping,
  trigger: string,
): Promise<UncoupledMatch> {
  const criteria = matchCriteria(m);
  // Without match fields nothing can be matched; that only matters when the CRM has uncoupled
  // records that could be twins of ERP records the full synchronization is about to create.
  if (criteria.length === 0) {
    const loose = (await possiblyOurs(ctx, m, await uncoupledCrmRows(ctx, m))).size;
    if (loose > 0)
      throw passFailed(
        'match_fields_missing',
        `${plural(loose, `${m.crmEntity} record`)} in Dynamics 365 Sales ${agree(loose, 'is', 'are')} not coupled and mapping ${m.name} has no match fields: specify which fields of mapping ${m.name} are used for match-based coupling, or couple ${agree(loose, 'it', 'them')} by hand`,
      );
    return { jobId: null, matched: 0, ambiguous: 0, heldErpIds: new Set(), heldCrmIds: new Set() };
  }
  const groups = [...new Set(criteria.map((f) => f.matchPriority))]
    .sort((a, b) => a - b)
    .map((p) => criteria.filter((f) => f.matchPriority === p));
  const jobId = await beginJob(ctx.db, m.name, 'ToIntegrationTable', trigger, 'Coupling');
  const counters = emptyCounters();
  try {
    await resolveJournaledCreates(ctx, m, jobId, counters);
    const crm = await uncoupledCrmRows(ctx, m);
    // Per group: CRM rows by the group's key.
    const indexes = groups.map((group) => {
      const index = new Map<string, string[]>();
      for (const [id, values] of crm) {
        const present = group.filter((f) => !isEmpty(values[f.crmField!]));
        if (present.length !== group.length) continue;
        const k = groupKey(values, 'crmField', group);
        index.set(k, [...(index.get(k) ?? []), id]);
      }
      return index;
    });
    // Per uncoupled ERP record with any candidate: its candidates per group.
    const candidates = new Map<string, string[][]>();
    // With no uncoupled CRM row nothing can match: the ERP side is not read.
    for await (const rows of crm.size > 0 ? uncoupledErpPages(ctx, m) : []) {
      for (const r of rows) {
        const perGroup = groups.map((group, g) => {
          const present = group.filter((f) => !isEmpty(r.values[f.erpField!]));
          if (present.length === 0) return [];
          // With a field left out, compare on the fields present (CRM rows with the others set
          // still qualify): scan this group's rows for the partial key.
          if (present.length < group.length)
            return [...crm]
              .filter(([, v]) =>
                present.every(
                  (f) =>
                    keyOf(v[f.crmField!], f.caseSensitiveMatching) ===
                    keyOf(r.values[f.erpField!], f.caseSensitiveMatching),
                ),
              )
              .map(([id]) => id);
          return indexes[g]!.get(groupKey(r.values, 'erpField', group)) ?? [];
        });
        if (perGroup.some((c) => c.length > 0)) candidates.set(r.id, perGroup);
      }
    }
    const free = new Set(crm.keys());
    const coupled = new Map<string, string>();
    const ambiguous = new Map<string, Set<string>>();
    for (let g = 0; g < groups.length; g++) {
      const claims = new Map<string, string[]>();
      for (const [erpId, perGroup] of candidates) {
        if (coupled.has(erpId)) continue;
        const open = perGroup[g]!.filter((id) => free.has(id));
        if (open.length === 0) continue;
        if (open.length > 1) {
          ambiguous.set(erpId, new Set([...(ambiguous.get(erpId) ?? []), ...open]));
          continue;
        }
        claims.set(open[0]!, [...(claims.get(open[0]!) ?? []), erpId]);
      }
      for (const [crmId, erpIds] of claims) {
        if (erpIds.length > 1) {
          for (const e of erpIds) ambiguous.set(e, new Set([...(ambiguous.get(e) ?? []), crmId]));
          continue;
        }
        coupled.set(erpIds[0]!, crmId);
        free.delete(crmId);
      }
    }
    const matched = await insertCoupledPairs(
      ctx.db,
      couplingTables(m),
      [...coupled].map(([erpId, crmId]) => ({ erpId, crmId })),
    );
    // Added to what the journal's recovered creates coupled above: the job counts both.
    counters.coupled += matched;
    const heldErpIds = new Set<string>();
    const heldCrmIds = new Set<string>();
    for (const [erpId, crmIds] of ambiguous) {
      if (coupled.has(erpId)) continue;
      const open = [...crmIds].filter((id) => free.has(id));
      heldErpIds.add(erpId);
      for (const id of open) heldCrmIds.add(id);
      await logRecordError(ctx.db, jobId, m.name, 'ToIntegrationTable', {
        erpTable: m.erpTable,
        erpId,
        crmEntity: m.crmEntity,
        crmId: open[0] ?? null,
        message: `Not coupled: ${open.length > 1 ? `${open.length} uncoupled records in Dynamics 365 Sales match it` : 'another record matches the same record in Dynamics 365 Sales'} (${criteria.map((f) => `${f.erpField} = ${f.crmField}`).join(', ')}); couple it by hand — the full synchronization creates neither`,
        detail: JSON.stringify({ candidates: open }),
      });
    }
    counters.failed = heldErpIds.size;
    await finishJob(ctx.db, jobId, counters, {
      status: 'succeeded',
      message: `${matched} coupled by matching, ${heldErpIds.size} ambiguous`,
    });
    return { jobId, matched, ambiguous: heldErpIds.size, heldErpIds, heldCrmIds };
  } catch (err) {
    await finishJob(ctx.db, jobId, counters, {
      status: 'failed',
      message: (err as Error).message,
    });
    throw err;
  }
}

/**
 * Synchronizes the mapping's pairs that are coupled but were never synchronized (those matching
 * just coupled, or a killed run coupled before it could send them) in one direction, whatever
 * changed on the other side: for a bidirectional mapping the side its update-conflict policy
 * favours, and the ERP when it favours none (a first synchronization takes the ERP's values, as
 * a pair left to the bidirectional passes would only be an update conflict). Then the full
 * synchronization finds them in step.
 */
export async function syncNeverSynchronized(
  ctx: EngineContext,
  m: TableMapping,
  trigger: string,
): Promise<PassReport[]> {
  const only: PassDirection =
    m.direction !== 'Bidirectional'
      ? m.direction
      : m.updateConflict === 'GetUpdate'
        ? 'FromIntegrationTable'
        : 'ToIntegrationTable';
  const r = await ctx.db.query<{ erp_id: string; crm_id: string }>(
    `SELECT erp_id, crm_id FROM integration.couplings
      WHERE mapping_name = $1 AND state = 'coupled' AND NOT skipped
        AND last_result_to_crm IS NULL AND last_result_to_erp IS NULL`,
    [m.name],
  );
  if (r.rows.length === 0) return [];
  return only === 'ToIntegrationTable'
    ? runMapping(ctx, m, { only, erpIds: r.rows.map((x) => x.erp_id), force: true, trigger })
    : runMapping(ctx, m, { only, crmIds: r.rows.map((x) => x.crm_id), force: true, trigger });
}

/** Uncoupled CRM rows in the mapping's filter: id → values (one read of the table). */
/**
 * The uncoupled CRM rows that could correspond to a record of the mapping: a row whose lookup
 * column (written by the mapping from a coupled record, e.g. a price list item's price list)
 * points at a record the lookup's mapping never coupled cannot be the twin of any ERP record of
 * this mapping — like the price list items of the default price list, which the products bring
 * and no price group owns.
 */
async function possiblyOurs(
  ctx: EngineContext,
  m: TableMapping,
  rows: Map<string, Readonly<Record<string, unknown>>>,
): Promise<Map<string, Readonly<Record<string, unknown>>>> {
  const lookups = m.fields.filter(
    (f) => f.enabled && f.lookup && f.crmField && f.direction !== 'FromIntegrationTable',
  );
  let out = rows;
  for (const f of lookups) {
    const coupled = await ctx.db.query<{ crm_id: string }>(
      `SELECT crm_id::text FROM integration.couplings WHERE mapping_name = $1 AND state = 'coupled'`,
      [f.lookup!.mapping],
    );
    const ids = new Set(coupled.rows.map((r) => r.crm_id.toLowerCase()));
    out = new Map(
      [...out].filter(([, v]) => {
        const target = v[f.crmField!];
        return typeof target !== 'string' || ids.has(target.toLowerCase());
      }),
    );
  }
  return out;
}

async function uncoupledCrmRows(
  ctx: EngineContext,
  m: TableMapping,
): Promise<Map<string, Readonly<Record<string, unknown>>>> {
  const all = await ctx.crm.changes(m.crmEntity, null);
  if (!all.ok)
    throw passFailed(
      'crm_read_failed',
      `Reading ${m.crmEntity} from the CRM failed: ${all.error.message}`,
    );
  const rows = all.value.rows.filter((r) => matchesFilter(r.values, m.crmFilter));
  const out = new Map<string, Readonly<Record<string, unknown>>>();
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const taken = await couplingsByCrmIds(
      ctx.db,
      m.crmEntity,
      chunk.map((r) => r.id),
    );
    for (const r of chunk) if (!taken.has(r.id)) out.set(r.id, r.values);
  }
  return out;
}

async function* uncoupledErpPages(ctx: EngineContext, m: TableMapping) {
  let after: number | null = null;
  for (;;) {
    const page = await ctx.erp.changedSince(m.erpTable, after, ctx.chunkSize ?? 1000);
    const inFilter = page.records.filter((r) => matchesFilter(r.values, m.erpFilter));
    const taken = await couplingsByErpIds(
      ctx.db,
      m.erpTable,
      inFilter.map((r) => r.id),
    );
    yield inFilter.filter((r) => !taken.has(r.id));
    if (!page.more) return;
    after = page.nextSeq;
  }
}
