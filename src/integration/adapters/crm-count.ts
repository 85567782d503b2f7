import type { DataverseClient, DataverseError } from '../../dataverse/index.ts';
import { ok, type Result } from '../../shared/result.ts';
import { matchesFilter } from '../../sync/engine/values.ts';
import type { FilterCondition } from '../../sync/model.ts';
import type { CrmEntityInfo } from './crm-catalogue.ts';
import { crmValues } from './crm-port.ts';

/** Rows read per page: only their ids and the filter's columns, so a page stays small. */
const PAGE = 5000;

/** The most `$count` answers (the Dataverse Web API's "Count rows"). */
const COUNT_CAP = 5000;

/**
 * The rows of a CRM table inside a mapping's CRM filter: those the sync engine's CRM → ERP pass
 * plans (ITEM-PRODUCT's item products, not RESOURCE-PRODUCT's resources; SALESPEOPLE's licensed,
 * enabled users, not the integration users). Without a filter the CRM's own `$count`, unless it
 * reaches Dataverse's cap of 5,000 (it never says more): then the keys are read and counted as a
 * filter's rows are, so a price list of 10,000 items is not reviewed as 5,000.
 *
 * With one, read page by page with only the key and the filter's columns, and tested with the
 * engine's own `matchesFilter` on the values as the engine sees them (`crmValues`), as the ERP
 * side is counted (erp-count.ts). Not an OData `$filter` (crm-filter.ts): the engine's rules
 * differ from it — `eq false` lets a blank through (`isdisabled eq false` leaves nulls out),
 * `ne` keeps blanks, numbers compare as numbers, starts-with ignores case — so a server-side count
 * could be other rows than the line handles. Exact at a read per 5,000 rows.
 */
export async function countInCrmFilter(
  client: DataverseClient,
  e: CrmEntityInfo,
  filter: readonly FilterCondition[],
): Promise<Result<number, DataverseError>> {
  if (filter.length === 0) {
    const all = await client.retrieveMultiple(e.set, { select: [e.key], top: 1, count: true });
    if (!all.ok) return all;
    const n = all.value.count ?? all.value.value.length;
    if (n < COUNT_CAP) return ok(n);
  }
  const columns = [
    ...new Set(filter.map((c) => (e.lookups[c.field] ? `_${c.field}_value` : c.field))),
  ];
  let count = 0;
  for await (const page of client.retrieveAll(
    e.set,
    { select: [e.key, ...columns.filter((c) => c !== e.key)] },
    { pageSize: PAGE },
  )) {
    if (!page.ok) return page;
    for (const row of page.value) if (matchesFilter(crmValues(row), filter)) count++;
  }
  return ok(count);
}
