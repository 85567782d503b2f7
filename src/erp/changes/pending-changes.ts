import { entity } from '../catalog/catalog.ts';
import type { DbOrTx } from '../records/transactions.ts';

/** Changes of an entity set after a change sequence, not written by `exceptActor`. */
export interface PendingChanges {
  readonly count: number;
  /** When the oldest of them was made; undefined when there are none. */
  readonly oldestAt?: Date;
}

/**
 * How many records of an entity set changed after `afterSeq` by someone other than
 * `exceptActor`, and since when (a consumer's backlog, e.g. the integration's lag). Bounded:
 * counts at most `limit` so a huge backlog stays a cheap question.
 */
export async function pendingChanges(
  db: DbOrTx,
  set: string,
  afterSeq: number,
  exceptActor: string,
  limit = 100_000,
): Promise<PendingChanges> {
  const def = entity(set);
  const r = await db.query<{ n: string; oldest: Date | null }>(
    `SELECT count(*) AS n, min(last_modified_at) AS oldest FROM (
       SELECT t.last_modified_at FROM ${def.table} t
        WHERE t.change_seq > $1 AND t.modified_by <> $2${def.where ? ` AND ${def.where}` : ''}
        LIMIT $3) p`,
    [afterSeq, exceptActor, limit],
  );
  const row = r.rows[0];
  return {
    count: Number(row?.n ?? 0),
    ...(row?.oldest ? { oldestAt: new Date(row.oldest) } : {}),
  };
}
