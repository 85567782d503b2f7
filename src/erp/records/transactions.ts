import type { Db, Queryable } from '../../db/db.ts';
import type { AppFailure, Result } from '../../shared/result.ts';
import { duplicateFailure, invalidValueFailure, referenceFailure } from './constraint-messages.ts';

/** The pool or an open transaction: every ERP service accepts either. */
export type DbOrTx = Db | Queryable;

class RollbackSignal extends Error {
  constructor(readonly failure: AppFailure) {
    super(failure.message);
  }
}

let savepoints = 0;

/**
 * The database as `actor` writes to it: every transaction it opens stamps `actor` as the
 * `modified_by` of what it writes (the ERP's triggers read `kobling.actor`), so a change made
 * through the ERP API names the person who made it, as Business Central's "Last Modified By" does.
 */
export function actingAs(db: Db, actor: string): Db {
  return {
    ...db,
    transaction: (fn, options) =>
      db.transaction(async (tx) => {
        await tx.query("SELECT set_config('kobling.actor', $1, true)", [actor]);
        return fn(tx);
      }, options),
  };
}

/**
 * Runs `fn` atomically and returns its Result: on the pool in a new transaction, inside a caller's
 * transaction under a savepoint. A failed Result rolls everything `fn` did back, as an exception does.
 */
export async function atomic<T>(
  db: DbOrTx,
  fn: (tx: Queryable) => Promise<Result<T>>,
): Promise<Result<T>> {
  const run = async (tx: Queryable) => {
    const result = await fn(tx);
    if (!result.ok) throw new RollbackSignal(result.error);
    return result;
  };
  try {
    if ('transaction' in db) return await db.transaction(run);
    const name = `erp_sp_${++savepoints}`;
    await db.query(`SAVEPOINT ${name}`);
    try {
      const result = await run(db);
      await db.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await db.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  } catch (err) {
    if (err instanceof RollbackSignal) return { ok: false, error: err.failure };
    const mapped = pgFailure(err);
    if (mapped) return { ok: false, error: mapped };
    throw err;
  }
}

/**
 * Many writes, each atomic on its own but sharing a few transactions: the items go in groups of
 * `groupSize` (default 100), one transaction per group, each item under its own savepoint
 * (`atomic`). A failed item rolls back its own work only and answers its failure; the others of
 * its group still commit. One commit per group instead of per item is what makes bulk writes fast;
 * the group bounds how long a transaction holds the number series' row locks and keeps readers of
 * the change feed waiting (erp.change_horizon()). `actor` is stamped as `modified_by` (section 1
 * of docs/erp.md). An unexpected error (a bug, not a failed Result) rolls back its whole group and
 * is thrown, as from a single write; the groups before it stay committed.
 *
 * `bulk`, when given, writes a whole group at once (set-based: `createRecords`, `updateRecords`)
 * and is tried first, under its own savepoint; when it refuses, its work is rolled back and the
 * group goes item by item, so each refused item still fails alone with its own message.
 */
export async function eachAtomic<I, T>(
  db: DbOrTx,
  items: readonly I[],
  write: (tx: Queryable, item: I) => Promise<Result<T>>,
  options: {
    actor?: string;
    groupSize?: number;
    bulk?: (tx: Queryable, items: readonly I[]) => Promise<Result<T[]>>;
  } = {},
): Promise<Result<T>[]> {
  const size = Math.max(1, options.groupSize ?? 100);
  const results: Result<T>[] = [];
  const group = async (tx: Queryable, from: number) => {
    if (options.actor !== undefined)
      await tx.query("SELECT set_config('kobling.actor', $1, true)", [options.actor]);
    const slice = items.slice(from, from + size);
    const { bulk } = options;
    if (bulk) {
      const all = await atomic(tx, (t) => bulk(t, slice));
      if (all.ok) {
        if (all.value.length !== slice.length)
          throw new Error(
            `A bulk write answered ${all.value.length} results for ${slice.length} items`,
          );
        for (const value of all.value) results.push({ ok: true, value });
        return;
      }
    }
    for (const item of slice) results.push(await atomic(tx, (t) => write(t, item)));
  };
  for (let from = 0; from < items.length; from += size) {
    if ('transaction' in db) await db.transaction((tx) => group(tx, from));
    else await group(db, from);
  }
  return results;
}

/**
 * Translates constraint violations into expected failures, worded for API users without our SQL
 * names (constraint-messages.ts); anything else stays a bug.
 */
export function pgFailure(err: unknown): AppFailure | undefined {
  const e = err as {
    code?: string;
    detail?: string;
    message?: string;
    table?: string;
    column?: string;
    constraint?: string;
  };
  switch (e.code) {
    case '23505':
      return duplicateFailure(e);
    case '23503':
      return referenceFailure(e);
    case '23514':
    case '23502':
      return invalidValueFailure(e);
    // Type errors name a type and the value, not our tables.
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return {
        code: 'validation_failed',
        message: `Invalid value: ${e.message ?? e.detail ?? ''}`,
      };
    case '40P01':
    case '40001':
      return {
        code: 'conflict',
        message: 'Another transaction changed the same records at the same time; try again',
      };
    default:
      return undefined;
  }
}

/** Writes an integration event in the caller's transaction (the outbox). */
export async function emit(
  tx: Queryable,
  eventType: string,
  aggregateType: string,
  aggregateId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await tx.query(
    'INSERT INTO erp.outbox (event_type, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4)',
    [eventType, aggregateType, aggregateId, JSON.stringify(payload)],
  );
}
