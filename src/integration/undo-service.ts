import type { Db } from '../db/db.ts';
import type { Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { type UndoReport, undoable, undoJob } from '../sync/undo/undo-job.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';

/**
 * Undoes a job under its mapping's lock (docs/sync-engine.md, "Undo a job"), so the undo never
 * races a synchronization of the mapping: it waits `waitMs` for a running one, then answers
 * mapping_busy. A job still running is refused before waiting.
 */
export async function undoJobLocked(
  db: Db,
  engine: EngineContext,
  jobId: string,
  waitMs: number = LOCK_WAIT.request,
): Promise<Result<UndoReport>> {
  const checked = await undoable(engine, jobId);
  if (!checked.ok) return checked;
  const r = await withMappingLock(db, checked.value.job.mapping, () => undoJob(engine, jobId), {
    waitMs,
  });
  return r.ok ? r.value : r;
}
