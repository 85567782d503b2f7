import type { Db } from '../../db/db.ts';
import { readChanges } from '../../erp/public-api.ts';
import { matchesFilter } from '../../sync/engine/values.ts';
import type { FilterCondition } from '../../sync/model.ts';
import { integrationEntities } from './erp-integration-entities.ts';

/** Rows read per page: only their ids and the filter's fields, so a page stays small. */
const PAGE = 5000;

/**
 * The records of an ERP table inside a mapping's ERP filter: those the sync engine reads and
 * synchronizes (CONTACT's person contacts, not the company contacts). Read as the engine reads
 * them — the ERP's change feed over the integration's view of the table — with only the ids and
 * the filter's fields, page by page, and tested with the engine's own `matchesFilter`.
 *
 * Evaluated here, not as an ERP `$filter`: the engine's filter is code with its own rules (blank
 * is null, '' or false; numbers compared as numbers; starts-with ignores case), and its fields may
 * be the integration's computed ones (a customer's `blocked` blank as '') that the ERP API does
 * not know. A translation would be a second filter that can disagree with the engine's — the
 * count would again not be what the line handles.
 */
export async function countInErpFilter(
  db: Db,
  table: string,
  filter: readonly FilterCondition[],
): Promise<number> {
  const e = integrationEntities.get(table);
  if (!e) throw new Error(`The ERP has no entity set '${table}'`);
  const needed = new Set(filter.map((c) => c.field));
  const narrow = { ...e, fields: e.fields.filter((f) => f.name === 'id' || needed.has(f.name)) };
  let count = 0;
  for (let after = 0; ; ) {
    const page = await readChanges(db, table, after, { limit: PAGE, entity: narrow });
    if (!page.ok) throw new Error(`Counting ${table} failed: ${page.error.message}`);
    count += page.value.records.filter((r) => matchesFilter(r, filter)).length;
    if (!page.value.more) return count;
    after = page.value.nextSeq;
  }
}
