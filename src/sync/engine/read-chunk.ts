import { readAskStates } from '../conflicts/conflict-repo.ts';
import {
  clearReverseDue,
  couplingsByCrmIds,
  couplingsByErpIds,
} from '../couplings/coupling-repo.ts';
import { passFailed } from '../errors.ts';
import type { Coupling, PassDirection, TableMapping } from '../model.ts';
import type { CrmRecord, ErpRecord } from '../ports.ts';
import type { EngineContext } from './context.ts';
import { type Destination, inScope, type PassRecord } from './plan-records.ts';

type SideRecord = ErpRecord | CrmRecord;

/** Reads a chunk of source rows for one pass direction (one per pass, for planning or a preview). */
export type ChunkReader<S extends SideRecord, D extends SideRecord> = (
  ctx: EngineContext,
  m: TableMapping,
  rows: readonly S[],
) => Promise<PassRecord<S, D>[]>;

/**
 * Reads what a pass needs to plan a chunk: the source rows the mapping's filter lets through,
 * their couplings (one query), and their destinations, which the pass reads from its side in one
 * go (`readDestinations` gets the chunk's couplings and answers per coupling).
 */
export async function readChunk<S extends SideRecord, D extends SideRecord>(
  ctx: EngineContext,
  m: TableMapping,
  pass: PassDirection,
  rows: readonly S[],
  readDestinations: (couplings: Coupling[]) => Promise<(c: Coupling) => Destination<D>>,
): Promise<PassRecord<S, D>[]> {
  const sources = inScope(m, pass, rows);
  const ids = sources.map((r) => r.id);
  const couplings =
    pass === 'ToIntegrationTable'
      ? await couplingsByErpIds(ctx.db, m.erpTable, ids)
      : await couplingsByCrmIds(ctx.db, m.crmEntity, ids);
  const destinationOf = await readDestinations([...couplings.values()]);
  // Policy `ask`: the inbox's open entries and agreed values of the chunk's records (one query).
  const asks =
    m.updateConflict === 'ask'
      ? await readAskStates(
          ctx.db,
          [...couplings.values()].map((c) => c.id),
        )
      : undefined;
  return sources.map((source) => {
    const coupling = couplings.get(source.id);
    const ask = coupling && asks?.get(coupling.id);
    return {
      source,
      coupling,
      destination: coupling ? destinationOf(coupling) : { kind: 'none' },
      ...(ask ? { ask } : {}),
    };
  });
}

/** Rows of a CRM entity by id; a CRM that cannot be read stops the pass. */
export async function crmRowsOrStop(
  ctx: EngineContext,
  entity: string,
  ids: readonly string[],
): Promise<Map<string, CrmRecord>> {
  const rows = await ctx.crm.get(entity, ids);
  if (!rows.ok)
    throw passFailed(
      'crm_read_failed',
      `Reading ${entity} from the CRM failed: ${rows.error.message}`,
    );
  return rows.value;
}

/**
 * The retry set's couplings due in the pass (docs/sync-engine.md, "Reverse pass due") whose source
 * the pass will not plan — gone, or outside the mapping's filter — lose the mark, so they are not
 * read again every run. Nothing is lost: a record that comes back comes back as a change, and
 * its comparison transfers every field. Failed couplings stay in the retry set as before.
 */
export async function clearUnplannedDue(
  ctx: EngineContext,
  m: TableMapping,
  pass: PassDirection,
  retry: readonly Coupling[],
  found: ReadonlyMap<string, SideRecord>,
): Promise<void> {
  const planned = new Set(inScope(m, pass, [...found.values()]).map((r) => r.id));
  const sourceOf = (c: Coupling) => (pass === 'ToIntegrationTable' ? c.erpId : c.crmId);
  await clearReverseDue(
    ctx.db,
    pass,
    retry.filter((c) => c.reverseDue === pass && !planned.has(sourceOf(c))).map((c) => c.id),
  );
}
