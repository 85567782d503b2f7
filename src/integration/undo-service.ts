import type { Db } from '../db/db.ts';
import type { Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { dependenciesOf } from '../sync/model.ts';
import { type UndoReport, undoable, undoJob } from '../sync/undo/undo-job.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';

/**
 * Undoes a job under its mapping's lock (docs/sync-engine.md, "Undo a job"), so the undo never
 * races a synchronization of the mapping: it waits `waitMs` for a running one, then answers
 * mapping_busy. A job still running is refused before waiting. The locks of the mappings
 * synchronized after it (their dependency filter names it) are held too: their runs create the
 * records that refer to what the undo deletes, and none may do so between the undo's check for
 * such records and its deletes.
 */
export async function undoJobLocked(
  db: Db,
  engine: EngineContext,
  jobId: string,
  waitMs: number = LOCK_WAIT.request,
): Promise<Result<UndoReport>> {
  const checked = await undoable(engine, jobId);
  if (!checked.ok) return checked;
  const mapping = checked.value.job.mapping;
  const children = [...engine.mappings.values()]
    .filter((m) => m.name !== mapping && dependenciesOf(m).includes(mapping))
    .map((m) => m.name)
    .sort();
  // Parent first, then its children in name order: every undo takes them in the same order.
  const locked = (names: readonly string[]): Promise<Result<UndoReport>> => {
    const [first, ...rest] = names;
    if (first === undefined) return undoJob(engine, jobId);
    return withMappingLock(db, first, () => locked(rest), { waitMs }).then((r) =>
      r.ok ? r.value : r,
    );
  };
  return locked([mapping, ...children]);
}
