import { ok, type Result } from '../../shared/result.ts';
import { entity } from '../catalog/catalog.ts';
import { countRecords, listRecords } from '../records/record-store.ts';
import type { DbOrTx } from '../records/transactions.ts';
import type { ApiRecord, ListQuery } from './list-query.ts';

/**
 * One page of an entity set and how many rows match in all, for lists people page through.
 * `search` looks for the text, ignoring case, in the number/code and the name; `extra` is a fixed
 * SQL condition on the row aliased `t` (its parameters numbered from $1).
 */
export async function listEntityPage(
  db: DbOrTx,
  set: string,
  q: ListQuery & { search?: string },
  extra?: { sql: string; params: unknown[] },
): Promise<Result<{ rows: ApiRecord[]; total: number }>> {
  const def = entity(set);
  const conditions = extra?.sql ? [extra.sql] : [];
  const params = [...(extra?.params ?? [])];
  const search = q.search?.trim();
  if (search) {
    const columns = def.fields.filter((x) =>
      ['number', 'code', 'displayName', 'name'].includes(x.name),
    );
    if (columns.length > 0) {
      params.push(search.toLowerCase());
      conditions.push(
        `(${columns.map((x) => `strpos(lower(${x.sql}), $${params.length}) > 0`).join(' OR ')})`,
      );
    }
  }
  const condition = conditions.length ? { sql: conditions.join(' AND '), params } : undefined;
  const { search: _search, select: _select, ...query } = q;
  // The page's ids first (no computed fields for the skipped rows), then those rows in full.
  const ids = await listRecords(db, def, { ...query, select: 'id' }, condition);
  if (!ids.ok) return ids;
  const order = ids.value.map((r) => r.id);
  const rows = order.length
    ? await listRecords(
        db,
        def,
        { top: order.length },
        { sql: 't.id = ANY($1::uuid[])', params: [order] },
      )
    : ok([] as ApiRecord[]);
  if (!rows.ok) return rows;
  const byId = new Map(rows.value.map((r) => [r.id, r]));
  const total = await countRecords(db, def, query, condition);
  if (!total.ok) return total;
  return ok({ rows: order.flatMap((id) => byId.get(id) ?? []), total: total.value });
}
