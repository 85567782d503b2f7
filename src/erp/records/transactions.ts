import type { Db, Queryable } from '../../db/db.ts';
import type { AppFailure, Result } from '../../shared/result.ts';

/** The pool or an open transaction: every ERP service accepts either. */
export type DbOrTx = Db | Queryable;

class RollbackSignal extends Error {
  constructor(readonly failure: AppFailure) {
    super(failure.message);
  }
}

let savepoints = 0;

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

/** Translates constraint violations into expected failures; anything else stays a bug. */
export function pgFailure(err: unknown): AppFailure | undefined {
  const e = err as { code?: string; detail?: string; message?: string; constraint?: string };
  const detail = e.detail ?? e.message ?? '';
  switch (e.code) {
    case '23505':
      return { code: 'already_exists', message: `A record with these values exists: ${detail}` };
    case '23503':
      return detail.includes('is still referenced')
        ? { code: 'in_use', message: `The record is still used: ${detail}` }
        : { code: 'invalid_reference', message: `Unknown reference: ${detail}` };
    case '23514':
    case '23502':
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return { code: 'validation_failed', message: `Invalid value: ${e.message ?? detail}` };
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
