import { entities } from '../../erp/catalog/catalog.ts';
import { listEntityPage } from '../../erp/public-api.ts';
import { fail, ok, type Result } from '../../shared/result.ts';
import type { RunOptions } from '../../sync/engine/context.ts';
import { withoutEchoes } from '../../sync/engine/echoes.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import { mappingCovers, type TableMapping } from '../../sync/model.ts';
import { countCouplings } from '../../sync/queries.ts';
import { CRM_ENTITIES } from '../adapters/crm-catalogue.ts';
import { countInCrmFilter } from '../adapters/crm-count.ts';
import { crmPort } from '../adapters/crm-port.ts';
import { inErpFilter } from '../adapters/erp-count.ts';
import { erpPort } from '../adapters/erp-port.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from '../sync-runtime.ts';
import type { FullSyncLine } from './full-sync-lines.ts';
import { hasOwnLine, recommend } from './recommendation.ts';

// Both sides' record counts of the mappings, which a review line is written (or previewed) with.

/** How a line runs its mapping (full-sync-job.ts), and so what its ERP count counts. */
export const FULL_SYNC_RUN = {
  trigger: 'fullSynchronization',
  ignoreOnlyCoupled: true,
} as const satisfies RunOptions;

/**
 * A mapping's ERP records, those its ERP filter lets through (what the line synchronizes: CONTACT
 * counts person contacts, not company contacts; `inErpFilter`), less the echoes its ERP → CRM pass
 * drops unread: the records the integration itself wrote last that are coupled (`withoutEchoes`
 * as a line runs it, `FULL_SYNC_RUN`) — after a first full synchronization, the customers its
 * CRM → ERP pass created, which a restart's total counted and never handled (52 expected, 49/49
 * finished on the demo). Echoes are looked for only where there can be some: a pass that drops
 * them (not an option mapping's, which takes every value) and couplings of the mapping. Without a
 * filter nor echoes: counted through the ERP API for its entity sets; the integration's own views
 * (unit groups …) are read through the ERP port, up to 5,000 like the CRM's count.
 */
async function erpCount(
  deps: SyncDeps,
  m: TableMapping,
  coupled: number,
): Promise<{ erp: number; erpEchoes: number }> {
  const table = m.erpTable;
  const echoes =
    coupled > 0 && !m.isOptionMapping && mappingCovers(m.direction, 'ToIntegrationTable');
  if (m.erpFilter.length > 0 || echoes) {
    let erp = 0;
    let erpEchoes = 0;
    for await (const rows of inErpFilter(deps.db, table, m.erpFilter)) {
      const handled = echoes ? await withoutEchoes(deps, m, rows, FULL_SYNC_RUN) : rows;
      erp += handled.length;
      erpEchoes += rows.length - handled.length;
    }
    return { erp, erpEchoes };
  }
  if (entities.has(table)) {
    const page = await listEntityPage(deps.db, table, { top: 1 });
    if (page.ok) return { erp: page.value.total, erpEchoes: 0 };
  }
  const page = await erpPort(deps.db).changedSince(table, null, 5000);
  return { erp: page.records.length, erpEchoes: 0 };
}

/** What a line is written with: both sides' records and the mapping's couplings then. */
export interface LineCounts {
  /** The ERP records its ERP → CRM pass handles (`erpCount`). */
  readonly erp: number;
  /**
   * The integration's own coupled ERP records that pass drops as echoes: not in `erp`, but
   * records on the ERP side for the recommendation.
   */
  readonly erpEchoes: number;
  readonly crm: number;
  /** Left out of a bidirectional line's expected total (`expectedTotal`). */
  readonly coupled: number;
}

/** A mapping's counts for its line (see `bothSides`). */
export async function counts(deps: SyncDeps, m: TableMapping): Promise<Result<LineCounts>> {
  const coupled = await countCouplings(deps.db, { mapping: m.name });
  const sides = await bothSides(deps, m, coupled);
  if (!sides.ok) return sides;
  return ok({ ...sides.value, coupled });
}

/**
 * Both sides' record counts of a mapping, each the records its filter on that side lets through
 * (`erpCount`, `countInCrmFilter`): what the line's passes plan, so its progress never
 * passes its total. An option mapping's CRM side is its choice column's options
 * (`account.paymenttermscode`), not the table's records.
 */
async function bothSides(
  deps: SyncDeps,
  m: TableMapping,
  coupled: number,
): Promise<Result<{ erp: number; erpEchoes: number; crm: number }>> {
  const { erp, erpEchoes } = await erpCount(deps, m, coupled);
  const settings = await clientSettings(deps);
  if (!settings.ok) return settings;
  const client = dataverseClientFor(settings.value, deps.logger);
  const [entity, column] = m.crmEntity.split('.') as [string, string | undefined];
  if (column) {
    const options = await crmPort(client).optionSet(entity, column);
    // Spread: a connection that failed keeps its host and cause (`unreachableCrm`).
    if (!options.ok)
      return fail({
        ...options.error,
        message: `Reading the options of ${m.crmEntity} in the CRM failed: ${options.error.message}`,
      });
    return ok({ erp, erpEchoes, crm: options.value.length });
  }
  const info = CRM_ENTITIES[entity];
  if (!info) return ok({ erp, erpEchoes, crm: 0 });
  const crm = await countInCrmFilter(client, info, m.crmFilter);
  if (!crm.ok)
    return fail({
      ...crm.error,
      message: `Counting ${info.set} in the CRM failed: ${crm.error.message}`,
    });
  return ok({ erp, erpEchoes, crm: crm.value });
}

export type CountedLine = { m: TableMapping; c: LineCounts };

/**
 * Every line's counts, before any line is written: a line written while the others are still
 * being counted would be started by the scheduler's next tick (`advance`) before *Start* has
 * finished, and a failed count leaves the lines as they were.
 */
export async function countEveryLine(deps: SyncDeps): Promise<Result<CountedLine[]>> {
  const counted: CountedLine[] = [];
  for (const m of (await listMappings(deps.db)).filter(hasOwnLine)) {
    const c = await counts(deps, m);
    if (!c.ok) return c;
    counted.push({ m, c: c.value });
  }
  return ok(counted);
}

/**
 * What a mapping's line holds from its counts: what *Start* writes, and what the review shows
 * before the first *Start* (`notStartedLine`), alike.
 */
export const lineOf = (m: TableMapping, position: number, c: LineCounts) =>
  ({
    mapping: m.name,
    position,
    dependencyFilter: m.dependencyFilter,
    direction: m.direction,
    recommendation: recommend(m.name, c.erp + c.erpEchoes, c.crm),
    erpCount: c.erp,
    crmCount: c.crm,
    crmCoupled: c.coupled,
  }) satisfies Partial<FullSyncLine>;
