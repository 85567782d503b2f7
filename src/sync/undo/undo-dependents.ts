import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { couplingsByCrmIds, couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { EngineContext } from '../engine/context.ts';
import { dependenciesOf, type TableMapping } from '../model.ts';
import { nameOf } from '../record-names.ts';
import type { Side, Values } from './undo-history.ts';

/**
 * A record of another mapping that refers, through one of that mapping's lookups, to a record the
 * undo would delete (docs/sync-engine.md, "Undo a job", dependents). Deleting its parent would
 * leave it pointing at nothing, or — Dataverse cascades the delete of an account to its contacts —
 * delete it behind its coupling's back.
 */
export interface Dependent {
  readonly side: Side;
  /** The referring mapping, and the table of `side` its record is of. */
  readonly mapping: string;
  readonly table: string;
  readonly recordId: string;
  readonly name: string | null;
  /** The lookup field (ERP field or CRM column) that refers to the parent. */
  readonly field: string;
  /** The record the undo would delete, which this one refers to. */
  readonly parentId: string;
  /** Whether the record is coupled (its mapping synchronizes it). */
  readonly coupled: boolean;
  /** The job whose write history created the record (undo it first); null when none did. */
  readonly createdBy: string | null;
}

/** The lookups of other mappings that make their records children of `m`'s records. */
interface ChildLookup {
  readonly mapping: TableMapping;
  readonly erpField?: string;
  readonly crmField?: string;
  readonly erpKey: string;
}

/** Parent ids per CRM query: each parent an `eq` term of one `$filter`. */
const CRM_CHUNK = 100;
/** Rows read per CRM query at most (a parent with more children is counted up to this). */
const CRM_TOP = 5000;

/**
 * A lookup of a mapping synchronized after `m` (its dependency filter names `m`, as CONTACT's
 * names CUSTOMER) makes its records children of `m`'s. A lookup back the other way (CUSTOMER's
 * primary contact) does not: that relationship only loses its link when the contact goes, and
 * counting it would make the two undos each wait for the other.
 */
function childLookups(ctx: EngineContext, m: TableMapping): ChildLookup[] {
  const out: ChildLookup[] = [];
  for (const other of ctx.mappings.values()) {
    if (other.name === m.name || !dependenciesOf(other).includes(m.name)) continue;
    for (const f of other.fields) {
      if (!f.enabled || f.lookup?.mapping !== m.name) continue;
      out.push({
        mapping: other,
        ...(f.erpField ? { erpField: f.erpField } : {}),
        ...(f.crmField ? { crmField: f.crmField } : {}),
        erpKey: f.lookup.erpKey,
      });
    }
  }
  return out;
}

/**
 * The records of other mappings that refer to the records the undo would delete, read from the
 * side it deletes them on. `deleted` are the ids per side, `current` their values now (an ERP
 * child refers to its parent's lookup key, e.g. the customer's company contact number).
 */
export async function dependentsOf(
  ctx: EngineContext,
  m: TableMapping,
  deleted: { erp: readonly string[]; crm: readonly string[] },
  current: { erp: ReadonlyMap<string, Values> },
): Promise<Result<Dependent[]>> {
  const found: Omit<Dependent, 'coupled' | 'createdBy'>[] = [];
  for (const l of childLookups(ctx, m)) {
    if (l.crmField && deleted.crm.length > 0) {
      const r = await crmChildren(ctx, l, l.crmField, deleted.crm);
      if (!r.ok) return r;
      found.push(...r.value);
    }
    if (l.erpField && deleted.erp.length > 0)
      found.push(...(await erpChildren(ctx, l, l.erpField, deleted.erp, current.erp)));
  }
  const coupled = await coupledKeys(ctx, found);
  const creators = await creatorsOf(ctx.db, found);
  return ok(
    found.map((d) => ({
      ...d,
      coupled: coupled.has(keyOf(d)),
      createdBy: creators.get(keyOf(d)) ?? null,
    })),
  );
}

async function crmChildren(
  ctx: EngineContext,
  l: ChildLookup,
  column: string,
  parents: readonly string[],
): Promise<Result<Omit<Dependent, 'coupled' | 'createdBy'>[]>> {
  const entity = l.mapping.crmEntity;
  const out: Omit<Dependent, 'coupled' | 'createdBy'>[] = [];
  for (let i = 0; i < parents.length; i += CRM_CHUNK) {
    const chunk = parents.slice(i, i + CRM_CHUNK);
    const rows = await ctx.crm.find(entity, [{ field: column, op: 'in', value: chunk }], CRM_TOP);
    if (!rows.ok)
      return failure('crm_read_failed', `Reading ${entity} failed: ${rows.error.message}`);
    const wanted = new Set(chunk.map((id) => id.toLowerCase()));
    for (const r of rows.value) {
      const parent = String(r.values[column] ?? '').toLowerCase();
      if (!wanted.has(parent)) continue;
      out.push({
        side: 'crm',
        mapping: l.mapping.name,
        table: entity,
        recordId: r.id,
        name: nameOf('crm', entity, r.values),
        field: column,
        parentId: parent,
      });
    }
  }
  return ok(out);
}

async function erpChildren(
  ctx: EngineContext,
  l: ChildLookup,
  field: string,
  parents: readonly string[],
  current: ReadonlyMap<string, Values>,
): Promise<Omit<Dependent, 'coupled' | 'createdBy'>[]> {
  const table = l.mapping.erpTable;
  const parentByKey = new Map<unknown, string>();
  for (const id of parents) {
    const key = current.get(id)?.[l.erpKey];
    if (key !== undefined && key !== null && key !== '') parentByKey.set(key, id);
  }
  if (parentByKey.size === 0) return [];
  const rows = await ctx.erp.findMany(table, field, [...parentByKey.keys()]);
  return rows
    .filter((r) => parentByKey.has(r.values[field]))
    .map((r) => ({
      side: 'erp' as const,
      mapping: l.mapping.name,
      table,
      recordId: r.id,
      name: nameOf('erp', table, r.values),
      field,
      parentId: parentByKey.get(r.values[field])!,
    }));
}

const keyOf = (d: { side: Side; recordId: string }) => `${d.side}|${d.recordId.toLowerCase()}`;

/** `side|recordId` of the found records that have a coupling in their mapping. */
async function coupledKeys(
  ctx: EngineContext,
  found: readonly Omit<Dependent, 'coupled' | 'createdBy'>[],
): Promise<Set<string>> {
  const out = new Set<string>();
  const groups = new Map<string, { side: Side; table: string; ids: string[] }>();
  for (const d of found) {
    const key = `${d.side}|${d.table}`;
    const g = groups.get(key) ?? { side: d.side, table: d.table, ids: [] };
    g.ids.push(d.recordId);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const couplings =
      g.side === 'erp'
        ? await couplingsByErpIds(ctx.db, g.table, g.ids)
        : await couplingsByCrmIds(ctx.db, g.table, g.ids);
    for (const id of couplings.keys()) out.add(keyOf({ side: g.side, recordId: id }));
  }
  return out;
}

/**
 * The job that last created each record (an insert, or a reactivation, in its write history):
 * undoing it takes the record away. None when that job has been undone already — the record
 * outlived its undo (deactivated, not deleted), so undoing it again is no way out. One read
 * through the history's record indexes.
 */
async function creatorsOf(
  db: Queryable,
  found: readonly { side: Side; recordId: string }[],
): Promise<Map<string, string>> {
  if (found.length === 0) return new Map();
  const r = await db.query<{ side: Side; record_id: string; job_id: string; undone: boolean }>(
    `SELECT c.side, c.record_id, c.job_id,
            EXISTS (SELECT 1 FROM integration.sync_jobs u
                     WHERE u.undo_of = c.job_id AND u.status <> 'failed') AS undone
       FROM (SELECT DISTINCT ON (side, record_id) side, record_id, job_id
               FROM (SELECT id, side, record_id, job_id FROM integration.write_history
                      WHERE record_id = ANY($1::uuid[]) AND action IN ('insert', 'reactivate')
                     UNION ALL
                     -- A chunk of creates shares a row (migration sync 045): found through its GIN index.
                     SELECT w.id, w.side, r.id, w.job_id FROM integration.write_history w
                      CROSS JOIN LATERAL unnest(w.record_ids) AS r(id)
                      WHERE w.record_ids && $1::uuid[] AND r.id = ANY($1::uuid[])) h
              ORDER BY side, record_id, id DESC) c`,
    [[...new Set(found.map((d) => d.recordId))]],
  );
  const wanted = new Set(found.map(keyOf));
  return new Map(
    r.rows
      .filter((x) => !x.undone)
      .map((x) => [keyOf({ side: x.side, recordId: x.record_id }), x.job_id] as const)
      .filter(([key]) => wanted.has(key)),
  );
}

/** What users call `n` records of a table: CRM entities are singular, ERP tables plural. */
function kind(side: Side, table: string, n: number): string {
  if (side === 'crm') return n === 1 ? table : `${table}s`;
  return n === 1 ? table.replace(/s$/, '') : table;
}

/**
 * Why the undo of `jobId` is refused while records refer to the ones it would delete: per
 * referring table and the job that created its records, how many and what to do first — undo that
 * job (which deletes them), or, for records no job created, delete them or point them elsewhere.
 */
export function dependentsMessage(
  jobId: string,
  m: TableMapping,
  dependents: readonly Dependent[],
): string {
  const groups = new Map<string, { d: Dependent; n: number }>();
  for (const d of dependents) {
    const key = `${d.side}|${d.table}|${d.createdBy ?? ''}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { d, n: 1 });
  }
  const parents = (side: Side) => kind(side, side === 'erp' ? m.erpTable : m.crmEntity, 2);
  const parts = [...groups.values()].map(({ d, n }) => {
    const what = `${n} ${kind(d.side, d.table, n)}`;
    const refer = `${n === 1 ? 'refers' : 'refer'} to ${parents(d.side)} this undo would delete`;
    return d.createdBy
      ? `${what} created by job ${d.createdBy} ${refer}; undo job ${d.createdBy} first`
      : `${what} that no synchronization job created ${refer}; delete ${n === 1 ? 'it' : 'them'} or point ${n === 1 ? 'it' : 'them'} at other ${parents(d.side)} first`;
  });
  return `Job ${jobId} cannot be undone yet: ${parts.join('; ')}`;
}
