import type { Db, Queryable } from '../db/db.ts';
import { agree, plural } from '../shared/plural.ts';
import { fail, ok, type Result } from '../shared/result.ts';
import { restoreSkipped } from '../sync/couplings/coupling-repo.ts';
import { skippedAfterFailing, skippedCouplingIds } from '../sync/couplings/skipped-couplings.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { noSuchMapping } from '../sync/mappings/mapping-name.ts';
import { getMapping } from '../sync/mappings/mapping-repo.ts';
import { type SyncNowReport, synchronizeNow } from '../sync/service/synchronize-now.ts';
import { settleLine } from './full-sync/failed-records.ts';
import { shellName } from './full-sync/line-status.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';

/** Which skipped records an action is for: chosen couplings, or every skipped one of a mapping. */
export type SkippedChoice =
  | { readonly couplingIds: readonly string[] }
  | { readonly mapping: string };

/**
 * The coupling ids a choice names: the given ones, or the mapping's skipped couplings (refused
 * with not_found for a mapping that does not exist).
 */
export async function chosenSkipped(
  db: Queryable,
  choice: SkippedChoice,
): Promise<Result<readonly string[]>> {
  if ('couplingIds' in choice) return ok(choice.couplingIds);
  const m = await getMapping(db, choice.mapping);
  if (!m) return fail(await noSuchMapping(db, choice.mapping));
  return ok(await skippedCouplingIds(db, m.name));
}

/**
 * What a run of a mapping did not retry: its records skipped after failing (no regular run
 * retries them), with the commands that do; undefined when there are none. `api`: the API's
 * words (its endpoint first).
 */
export async function skippedNote(
  db: Queryable,
  mapping: string,
  form: 'cli' | 'api' = 'cli',
): Promise<{ skipped: number; message: string } | undefined> {
  const n = (await skippedAfterFailing(db, mapping)).get(mapping) ?? 0;
  if (n === 0) return undefined;
  const name = shellName(mapping);
  const records = `${plural(n, 'skipped record')} ${agree(n, 'is', 'are')}`;
  const cli = `kobling skipped retry --mapping ${name}`;
  const how =
    form === 'api'
      ? `POST /api/integration/v1/skipped/retry {"mapping":${JSON.stringify(mapping)}} (${cli})`
      : `${cli} (kobling skipped --mapping ${name} lists ${agree(n, 'it', 'them')})`;
  return {
    skipped: n,
    message: `${records} not retried automatically (failed twice with the same message); after the fix: ${how}`,
  };
}

/**
 * *Retry* on skipped records: restores them, then synchronizes them now in their mapping's
 * direction (a bidirectional mapping merges by its conflict rule). Used by the API, the UI and
 * `kobling skipped retry`. A mapping's full synchronization line that finished with failed
 * records reads Finished once none of them is open any more.
 */
export async function retrySkipped(
  db: Db,
  engine: EngineContext,
  couplingIds: readonly string[],
): Promise<Result<{ restored: number; results: (SyncNowReport & { mapping: string })[] }>> {
  const restored = await restoreSkipped(engine.db, couplingIds);
  const rows = await engine.db.query<{ mapping_name: string; erp_id: string }>(
    'SELECT mapping_name, erp_id FROM integration.couplings WHERE id = ANY($1::uuid[])',
    [couplingIds],
  );
  const results: (SyncNowReport & { mapping: string })[] = [];
  for (const name of new Set(rows.rows.map((r) => r.mapping_name))) {
    const m = engine.mappings.get(name);
    if (!m) return fail(await noSuchMapping(db, name));
    const direction =
      m.direction === 'ToIntegrationTable'
        ? 'send'
        : m.direction === 'FromIntegrationTable'
          ? 'get'
          : 'merge';
    const erpIds = rows.rows.filter((r) => r.mapping_name === name).map((r) => r.erp_id);
    // Under the mapping's lock, like every writer of its couplings.
    const locked = await withMappingLock(
      db,
      m.name,
      async () => {
        const report = await synchronizeNow(engine, m, erpIds, direction, true);
        await settleLine(db, m.name, engine.logger);
        return report;
      },
      { waitMs: LOCK_WAIT.request },
    );
    if (!locked.ok) return locked;
    const report = locked.value;
    if (!report.ok) return report;
    results.push({ mapping: name, ...report.value });
  }
  return ok({ restored, results });
}
