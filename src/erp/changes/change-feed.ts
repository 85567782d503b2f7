import { ok, type Result } from '../../shared/result.ts';
import { entity } from '../catalog/catalog.ts';
import type { EntityDef } from '../catalog/field-types.ts';
import { fieldMap, selectList } from '../query/list-query.ts';
import { etagOf, toApi } from '../records/api-shape.ts';
import type { DbOrTx } from '../records/transactions.ts';

/** A changed record as the API shows it, plus its change sequence and who wrote it. */
export type ChangedRecord = Record<string, unknown> & {
  readonly id: string;
  readonly changeSeq: number;
  /** 'user', 'integration', … (from `SET LOCAL kobling.actor`): skip your own writes. */
  readonly modifiedBy: string;
};

export interface ChangePage {
  readonly records: readonly ChangedRecord[];
  readonly deleted: readonly { id: string; changeSeq: number; deletedBy: string }[];
  /** Store this and pass it as `afterSeq` next time: everything up to it has been returned. */
  readonly nextSeq: number;
  /** True when more changes are waiting beyond `nextSeq` (call again). */
  readonly more: boolean;
}

/**
 * The change sequence below which no write is still in flight: every change up to it has committed,
 * so a reader that stops there never steps over a change that commits late.
 */
export async function changeHorizon(db: DbOrTx): Promise<number> {
  const h = await db.query<{ h: number }>('SELECT erp.change_horizon() AS h');
  return Number(h.rows[0]!.h);
}

/**
 * Changes of one entity set after `afterSeq`, in change order, never skipping a change that commits
 * late: reads only up to `erp.change_horizon()` (all writers up to it have finished). Deletions come
 * from erp.deletions for the entity's table. Pass the pool (not a long transaction).
 * `options.entity` reads the set through another definition of the same table (the integration's
 * view, with computed fields added); records then carry that definition's fields.
 */
export async function readChanges(
  db: DbOrTx,
  set: string,
  afterSeq: number,
  options: { limit?: number; entity?: EntityDef } = {},
): Promise<Result<ChangePage>> {
  const def = options.entity ?? entity(set);
  const limit = options.limit ?? 1000;
  const horizon = await changeHorizon(db);
  const rows = await db.query(
    `SELECT ${selectList(def)}, t.modified_by AS "@modifiedBy" FROM ${def.table} t
      WHERE t.change_seq > $1 AND t.change_seq <= $2${def.where ? ` AND ${def.where}` : ''}
      ORDER BY t.change_seq LIMIT $3`,
    [afterSeq, horizon, limit + 1],
  );
  // A view over several tables (no plain erp.<table>) has no deletions of its own.
  const tableName = /^erp\.(\w+)$/.exec(def.table)?.[1];
  const dels = tableName
    ? await db.query<{ id: string; change_seq: number; deleted_by: string }>(
        `SELECT record_id AS id, change_seq, deleted_by FROM erp.deletions
          WHERE table_name = $1 AND change_seq > $2 AND change_seq <= $3 ORDER BY change_seq LIMIT $4`,
        [tableName, afterSeq, horizon, limit + 1],
      )
    : { rows: [] };
  const recs = rows.rows.slice(0, limit);
  const deleted = dels.rows.slice(0, limit);
  const more = rows.rows.length > limit || dels.rows.length > limit;
  // With more to come, stop below the first change we did not return (records or deletions).
  const cut = more
    ? Math.min(
        rows.rows.length > limit ? Number(rows.rows[limit]!['@changeSeq']) - 1 : horizon,
        dels.rows.length > limit ? dels.rows[limit]!.change_seq - 1 : horizon,
      )
    : horizon;
  const fields = fieldMap(def);
  return ok({
    records: recs
      .filter((r) => Number(r['@changeSeq']) <= cut)
      .map((r) => ({
        '@odata.etag': etagOf(r['@changeSeq']),
        ...toApi(r, fields),
        changeSeq: Number(r['@changeSeq']),
        modifiedBy: String(r['@modifiedBy']),
      })) as unknown as ChangedRecord[],
    deleted: deleted
      .filter((d) => d.change_seq <= cut)
      .map((d) => ({ id: d.id, changeSeq: d.change_seq, deletedBy: d.deleted_by })),
    nextSeq: Math.max(afterSeq, cut),
    more,
  });
}
