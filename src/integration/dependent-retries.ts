import type { Queryable } from '../db/db.ts';
import type { PassReport } from '../sync/engine/run-mapping.ts';
import { listMappings } from '../sync/mappings/mapping-repo.ts';
import { mappingCovers, type PassDirection, upstreamOf } from '../sync/model.ts';

/** A run to make after another mapping coupled records: `only` unless both directions are due. */
export interface DependentRun {
  readonly mapping: string;
  readonly only?: PassDirection;
}

/**
 * The mappings a run's new couplings may unblock, to run again at once. A record whose lookup
 * found its target uncoupled failed and waits in its mapping's retry set; the next run of that
 * mapping settles it, but scheduled mappings run independently (every 30 minutes) and real-time
 * runs in whatever order the changes woke them — a product woken together with its new unit
 * would keep its failure until the item changed again. So after a pass of `mapping` inserted or
 * coupled records, each mapping that depends on it (dependency filter) or looks records up
 * through it, in that pass's direction, is due when it has records failed in that direction or
 * a pass in it running now (which may be failing such a record while this one finished).
 */
export async function dependentsToRetry(
  db: Queryable,
  mapping: string,
  reports: readonly PassReport[],
): Promise<DependentRun[]> {
  const coupledIn = reports
    .filter((r) => r.counters.inserted + r.counters.coupled > 0)
    .map((r) => r.direction);
  if (coupledIn.length === 0) return [];
  const candidates: { mapping: string; direction: PassDirection }[] = [];
  for (const m of await listMappings(db)) {
    if (m.name === mapping) continue;
    if (!upstreamOf(m).includes(mapping)) continue;
    for (const direction of coupledIn)
      if (mappingCovers(m.direction, direction)) candidates.push({ mapping: m.name, direction });
  }
  if (candidates.length === 0) return [];
  const due = await db.query<{ mapping: string; direction: PassDirection }>(
    `SELECT c.mapping, c.direction FROM unnest($1::text[], $2::text[]) AS c(mapping, direction)
      WHERE EXISTS (SELECT 1 FROM integration.couplings k
                     WHERE k.mapping_name = c.mapping AND k.needs_retry
                       AND CASE WHEN c.direction = 'ToIntegrationTable' THEN k.last_result_to_crm
                                ELSE k.last_result_to_erp END = 'Failure')
         OR EXISTS (SELECT 1 FROM integration.sync_jobs j
                     WHERE j.mapping_name = c.mapping AND j.direction = c.direction
                       AND j.status = 'running')`,
    [candidates.map((c) => c.mapping), candidates.map((c) => c.direction)],
  );
  const byMapping = new Map<string, Set<PassDirection>>();
  for (const r of due.rows) {
    const directions = byMapping.get(r.mapping) ?? new Set<PassDirection>();
    directions.add(r.direction);
    byMapping.set(r.mapping, directions);
  }
  return [...byMapping].map(([name, directions]) =>
    directions.size === 1 ? { mapping: name, only: [...directions][0]! } : { mapping: name },
  );
}
