import { entities } from '../../erp/catalog/catalog.ts';
import { listEntityPage } from '../../erp/public-api.ts';
import { type AppFailure, fail, ok, type Result } from '../../shared/result.ts';
import { listMappings } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { countCouplings } from '../../sync/queries.ts';
import { CRM_ENTITIES } from '../adapters/crm-catalogue.ts';
import { countInCrmFilter } from '../adapters/crm-count.ts';
import { crmPort } from '../adapters/crm-port.ts';
import { countInErpFilter } from '../adapters/erp-count.ts';
import { erpPort } from '../adapters/erp-port.ts';
import { crmUnreachableNow, type MaybeUnreachable, unreachableCrm } from '../crm-unreachable.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from '../sync-runtime.ts';
import type { FullSyncLine } from './full-sync-lines.ts';
import { hasOwnLine, recommend } from './recommendation.ts';

// Both sides' record counts of the mappings, which a review line is written (or previewed) with.

/**
 * A mapping's ERP records, those its ERP filter lets through (what the line synchronizes: CONTACT
 * counts person contacts, not company contacts; `countInErpFilter`). Without a filter: counted
 * through the ERP API for its entity sets; the integration's own views (unit groups …) are read
 * through the ERP port, up to 5,000 like the CRM's count.
 */
async function erpCount(deps: SyncDeps, m: TableMapping): Promise<number> {
  const table = m.erpTable;
  if (m.erpFilter.length > 0) return countInErpFilter(deps.db, table, m.erpFilter);
  if (entities.has(table)) {
    const page = await listEntityPage(deps.db, table, { top: 1 });
    if (page.ok) return page.value.total;
  }
  const page = await erpPort(deps.db).changedSince(table, null, 5000);
  return page.records.length;
}

/** What a line is written with: both sides' records and the mapping's couplings then. */
export interface LineCounts {
  readonly erp: number;
  readonly crm: number;
  /** Left out of a bidirectional line's expected total (`expectedTotal`). */
  readonly coupled: number;
}

/** A mapping's counts for its line (see `bothSides`). */
export async function counts(deps: SyncDeps, m: TableMapping): Promise<Result<LineCounts>> {
  const sides = await bothSides(deps, m);
  if (!sides.ok) return sides;
  return ok({ ...sides.value, coupled: await countCouplings(deps.db, { mapping: m.name }) });
}

/**
 * Both sides' record counts of a mapping, each the records its filter on that side lets through
 * (`countInErpFilter`, `countInCrmFilter`): what the line's passes plan, so its progress never
 * passes its total. An option mapping's CRM side is its choice column's options
 * (`account.paymenttermscode`), not the table's records.
 */
async function bothSides(
  deps: SyncDeps,
  m: TableMapping,
): Promise<Result<{ erp: number; crm: number }>> {
  const erp = await erpCount(deps, m);
  const settings = await clientSettings(deps);
  if (!settings.ok) return settings;
  const client = dataverseClientFor(settings.value, deps.logger);
  // A CRM that does not answer is said as everywhere else (`unreachableCrm`), not as the table the
  // count happened to ask first ("Counting systemusers …: token request … failed"); the spread
  // keeps its host and cause for the callers that word it again.
  const failed = (error: MaybeUnreachable & AppFailure, what: string) =>
    fail({
      ...error,
      message:
        unreachableCrm(error, settings.value.crmUrl) ??
        `${what} in the CRM failed: ${error.message}`,
    });
  const [entity, column] = m.crmEntity.split('.') as [string, string | undefined];
  if (column) {
    const options = await crmPort(client).optionSet(entity, column);
    if (!options.ok) return failed(options.error, `Reading the options of ${m.crmEntity}`);
    return ok({ erp, crm: options.value.length });
  }
  const info = CRM_ENTITIES[entity];
  if (!info) return ok({ erp, crm: 0 });
  const crm = await countInCrmFilter(client, info, m.crmFilter);
  if (!crm.ok) return failed(crm.error, `Counting ${info.set}`);
  return ok({ erp, crm: crm.value });
}

export type CountedLine = { m: TableMapping; c: LineCounts };

/**
 * Every line's counts, before any line is written: a line written while the others are still
 * being counted would be started by the scheduler's next tick (`advance`) before *Start* has
 * finished, and a failed count leaves the lines as they were.
 */
export async function countEveryLine(deps: SyncDeps): Promise<Result<CountedLine[]>> {
  const up = await crmAnswers(deps);
  if (!up.ok) return up;
  const counted: CountedLine[] = [];
  for (const m of (await listMappings(deps.db)).filter(hasOwnLine)) {
    const c = await counts(deps, m);
    if (!c.ok) return c;
    counted.push({ m, c: c.value });
  }
  return ok(counted);
}

/**
 * Fails at once when the CRM does not answer at all (asked once, without a token; a refused
 * connection answers at once): the counts would retry each request for some 15 s first, and the
 * review page, *Start* or a *Restart* showed nothing that long before saying so.
 */
export async function crmAnswers(deps: SyncDeps): Promise<Result<void>> {
  const why = await crmUnreachableNow(deps.db, 10_000);
  return why ? fail({ code: 'network_error', message: why }) : ok(undefined);
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
    recommendation: recommend(m.name, c.erp, c.crm),
    erpCount: c.erp,
    crmCount: c.crm,
    crmCoupled: c.coupled,
  }) satisfies Partial<FullSyncLine>;
