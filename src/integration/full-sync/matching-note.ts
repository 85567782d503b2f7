import type { Queryable } from '../../db/db.ts';
import { getLine, saveRunningMessage } from './full-sync-lines.ts';

/** What a running line says while it matches (`kobling sync full`'s bar, the review page). */
export const MATCHING_MESSAGE = 'Matching uncoupled records…';

/**
 * Runs a line's matching with the line saying so: on many records it takes seconds (3.5–11 s on
 * 26,000 coupled customers) with no record done, and a bar at `Running 0/26255` said nothing of
 * why. The line then gets back the note it had (a pass run again says so); a matching that fails
 * leaves it to the line's failure, whose message replaces it.
 */
export async function whileMatching<T>(
  db: Queryable,
  mapping: string,
  match: () => Promise<T>,
): Promise<T> {
  const note = (await getLine(db, mapping))?.message ?? null;
  await saveRunningMessage(db, mapping, MATCHING_MESSAGE);
  const matched = await match();
  await saveRunningMessage(db, mapping, note);
  return matched;
}
