import type { Db } from '../db/db.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import { restoreSkipped } from '../sync/couplings/coupling-repo.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import { type SyncNowReport, synchronizeNow } from '../sync/service/synchronize-now.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';

/**
 * *Retry* on skipped records: restores them, then synchronizes them now in their mapping's
 * direction (a bidirectional mapping merges by its conflict rule). Used by the API and the UI.
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
    if (!m) return failure('not_found', `No table mapping named '${name}'`);
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
      () => synchronizeNow(engine, m, erpIds, direction, true),
      { waitMs: LOCK_WAIT.request },
    );
    if (!locked.ok) return locked;
    const report = locked.value;
    if (!report.ok) return report;
    results.push({ mapping: name, ...report.value });
  }
  return ok({ restored, results });
}
