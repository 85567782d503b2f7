import type { Db, Queryable } from '../../db/db.ts';
import type { AppFailure, Result } from '../../shared/result.ts';
import { ERP_INTEGRATION_ACTOR } from '../../sync/ports.ts';

class Refused extends Error {
  constructor(readonly failure: AppFailure) {
    super(failure.message);
  }
}

/**
 * Runs `fn` in one database transaction as the integration (so ERP change tracking knows the
 * writer) under an advisory lock on `lockKey`: concurrent calls for the same CRM document wait for
 * each other. A failed Result rolls everything back, as an exception does.
 */
export async function inFlowTransaction<T>(
  db: Db,
  lockKey: string,
  fn: (tx: Queryable) => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query("SELECT set_config('kobling.actor', $1, true)", [ERP_INTEGRATION_ACTOR]);
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('kobling.flows:' || $1))", [lockKey]);
      const r = await fn(tx);
      if (!r.ok) throw new Refused(r.error);
      return r;
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.failure };
    throw err;
  }
}
