import { couplingsByErpIds } from '../couplings/coupling-repo.ts';
import { type Coupling, mappingCovers, type TableMapping } from '../model.ts';
import { ERP_INTEGRATION_ACTOR, type ErpRecord } from '../ports.ts';
import type { EngineContext, RunOptions } from './context.ts';
import { inScope } from './plan-records.ts';
import { crmRowsOrStop } from './read-chunk.ts';

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

/**
 * Of the echoes a full run's ERP → CRM pass dropped, those no pass of the run reads: records in
 * the mapping's ERP filter whose coupling is in step (synchronized, nothing due or failed either
 * way) and whose CRM record the CRM → ERP pass drops as well — the integration wrote it last too —
 * or that pass does not take (outside its CRM filter, or a mapping without that direction).
 * Their ERP side did not change since the integration wrote it, and their CRM side is its write
 * too or not this mapping's to carry: the pass counts them unchanged, so a line's records add up to
 * the ERP records the review counted, which its total counts (docs/full-synchronization.md).
 * A CRM record the integration did not write last is left to the CRM → ERP pass, which counts it
 * (once); a CRM record gone is no pair in step.
 */
export async function echoesInStep(
  ctx: EngineContext,
  m: TableMapping,
  page: {
    readonly rows: readonly ErpRecord[];
    /** What `withoutEchoes` kept of them. */
    readonly taken: readonly ErpRecord[];
    /** Records the pass read already (its retry set): counted there. */
    readonly seen: ReadonlySet<string>;
  },
): Promise<InStepEcho[]> {
  if (page.taken.length === page.rows.length) return [];
  const kept = new Set(page.taken.map((r) => r.id));
  const dropped = page.rows.filter((r) => !kept.has(r.id) && !page.seen.has(r.id));
  const echoes = inScope(m, 'ToIntegrationTable', dropped);
  if (echoes.length === 0) return [];
  const couplings = await couplingsByErpIds(
    ctx.db,
    m.erpTable,
    echoes.map((r) => r.id),
  );
  const pairs = echoes.flatMap((record) => {
    const coupling = couplings.get(record.id);
    return coupling && inStep(coupling) ? [{ record, coupling }] : [];
  });
  if (!mappingCovers(m.direction, 'FromIntegrationTable') || pairs.length === 0) return pairs;
  const who = await ctx.crm.integrationUserId();
  if (!who.ok) return [];
  const twins = await crmRowsOrStop(
    ctx,
    m.crmEntity,
    pairs.map((p) => p.coupling.crmId),
  );
  return pairs.filter(({ coupling }) => {
    const twin = twins.get(coupling.crmId);
    return (
      twin !== undefined &&
      (twin.modifiedBy === who.value || inScope(m, 'FromIntegrationTable', [twin]).length === 0)
    );
  });
}

/** An ERP echo no pass of a full run reads, with its coupling. */
export interface InStepEcho {
  readonly record: ErpRecord;
  readonly coupling: Coupling;
}

/** A coupling neither pass has anything due for: its retry sets (`retrySet`) leave it out. */
const inStep = (c: Coupling) =>
  c.state === 'coupled' &&
  c.reverseDue === null &&
  c.lastResultToCrm !== 'Failure' &&
  c.lastResultToErp !== 'Failure';
