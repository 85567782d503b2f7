import { couplingsByErpIds } from '../couplings/coupling-repo.ts';
import type { TableMapping } from '../model.ts';
import { ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';
import type { EngineContext, RunOptions } from './context.ts';

/**
 * The ERP change feed's rows a run takes, without the integration's own writes (echoes of the
 * CRM → ERP pass). A forced run takes them all. A full synchronization (`ignoreOnlyCoupled`)
 * keeps those that are not coupled: an uncoupled record written by the integration (created from
 * a CRM row before an uncouple or a move to another organization) is no echo — it has no CRM
 * row to echo — and must be created or matched there like any other.
 */
export async function withoutEchoes(
  ctx: Pick<EngineContext, 'db'>,
  m: TableMapping,
  rows: readonly ErpRecord[],
  opts: RunOptions,
): Promise<ErpRecord[]> {
  if (opts.force) return [...rows];
  const echoes = rows.filter((r) => r.modifiedBy === ERP_INTEGRATION_ACTOR);
  if (echoes.length === 0 || !opts.ignoreOnlyCoupled)
    return rows.filter((r) => r.modifiedBy !== ERP_INTEGRATION_ACTOR);
  const coupled = await couplingsByErpIds(
    ctx.db,
    m.erpTable,
    echoes.map((r) => r.id),
  );
  return rows.filter((r) => r.modifiedBy !== ERP_INTEGRATION_ACTOR || !coupled.has(r.id));
}
