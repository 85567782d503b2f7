import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import { Dec } from '../../shared/money.ts';
import type { CrmInsert, CrmInsertExtension, RecordFailure } from '../../sync/engine/context.ts';
import type { CrmPort } from '../../sync/ports.ts';

/** The name of the price list products created from items and resources are put on. */
export const DEFAULT_PRICE_LIST_NAME = 'Default Price List';

const lookupTo = (lookupEntity: string, id: string) => ({ lookupEntity, id });

/**
 * Products created from items and resources, as Business Central creates them: the product gets
 * the default price list, and that list gets a price list item per unit of the product's unit
 * group (amount = unit price × quantity of the unit), so the product can be sold at once. The
 * price list items go in the product's own create (a deep insert): one operation per product in
 * the chunk's `$batch`, and a product never exists without its prices (a second `$batch` after
 * the products cost a request per chunk and, when a run stopped between the two, left products
 * without price list items that no later run created). The default price list is not valid for
 * create in Dataverse (ignored there): it goes in an update of the product in the create's change
 * set (`updateAfter`), so a product is created with its default price list or not at all.
 */
export function productPriceListExtension(db: Queryable, crm: CrmPort): CrmInsertExtension {
  let priceList: string | undefined;
  const failAll = (rows: readonly CrmInsert[], message: string): RecordFailure[] =>
    rows.map((r) => ({ erpId: r.erp.id, message }));
  return {
    async beforeInsert(rows) {
      const list = await defaultPriceList();
      if (!list.ok) return failAll(rows, list.message);
      const unitsByOwner = await unitsOf(rows);
      for (const r of rows) {
        // Dataverse ignores a product's default price list on create (not valid for create): it is
        // set by an update right after the create, in the same change set.
        r.updateAfter.pricelevelid = lookupTo('pricelevel', list.id);
        const price = new Dec(String(r.erp.values.unitPrice ?? 0));
        const units = unitsByOwner.get(ownerKey(r)) ?? [];
        for (const u of units.length > 0 ? units : [{ crmId: null, qty: '1' }]) {
          r.related.push({
            navigation: 'product_price_levels',
            entity: 'productpricelevel',
            id: newId(),
            values: {
              pricelevelid: lookupTo('pricelevel', list.id),
              ...(u.crmId ? { uomid: lookupTo('uom', u.crmId) } : {}),
              pricingmethodcode: 1,
              amount: Number(price.times(u.qty).toFixed(2)),
            },
          });
        }
      }
      return [];
    },
  };

  /** The stored default price list, else the one of that name, else a new one in base currency. */
  async function defaultPriceList(): Promise<
    { ok: true; id: string } | { ok: false; message: string }
  > {
    if (priceList) return { ok: true, id: priceList };
    const stored = await db.query<{ id: string | null }>(
      'SELECT default_price_list_id AS id FROM integration.connection WHERE id = 1',
    );
    const storedId = stored.rows[0]?.id;
    if (storedId) {
      const there = await crm.get('pricelevel', [storedId]);
      if (there.ok && there.value.has(storedId)) {
        priceList = storedId;
        return { ok: true, id: storedId };
      }
    }
    const named = await crm.find('pricelevel', [
      { field: 'name', op: 'eq', value: DEFAULT_PRICE_LIST_NAME },
      { field: 'statecode', op: 'eq', value: 0 },
    ]);
    if (!named.ok) return { ok: false, message: named.error.message };
    let id = named.value[0]?.id;
    if (!id) {
      const base = await crm.baseCurrencyId();
      if (!base.ok || !base.value)
        return { ok: false, message: "The organization's base currency could not be read" };
      id = newId();
      const created = await crm.write([
        {
          kind: 'create',
          entity: 'pricelevel',
          id,
          values: {
            name: DEFAULT_PRICE_LIST_NAME,
            transactioncurrencyid: lookupTo('transactioncurrency', base.value),
          },
        },
      ]);
      const first = created.ok ? created.value[0] : undefined;
      if (!first?.ok)
        return {
          ok: false,
          message: `Creating the default price list failed: ${created.ok ? (first as { message: string }).message : created.error.message}`,
        };
    }
    await db.query('UPDATE integration.connection SET default_price_list_id = $1 WHERE id = 1', [
      id,
    ]);
    priceList = id;
    return { ok: true, id };
  }

  /**
   * The coupled units (CRM uom ids) of each row's item or resource unit group, with quantities,
   * keyed by ownerKey. One query per table for the whole chunk: a query per product made the
   * first synchronization of items several times slower than that of customers.
   */
  async function unitsOf(
    rows: readonly CrmInsert[],
  ): Promise<Map<string, { crmId: string | null; qty: string }[]>> {
    const byOwner = new Map<string, { crmId: string | null; qty: string }[]>();
    for (const item of [true, false]) {
      const numbers = [
        ...new Set(
          rows
            .filter((r) => (r.mapping.erpTable === 'items') === item)
            .map((r) => String(r.erp.values.number)),
        ),
      ];
      if (numbers.length === 0) continue;
      const q = await db.query<{ owner: string; crm_id: string; qty: string }>(
        `SELECT u.${item ? 'item_number' : 'resource_number'} AS owner, c.crm_id,
                u.qty_per_unit_of_measure::text AS qty
           FROM ${item ? 'erp.item_units_of_measure' : 'erp.resource_units_of_measure'} u
           JOIN integration.couplings c ON c.erp_id = u.id AND c.erp_table = $2 AND c.state = 'coupled'
          WHERE u.${item ? 'item_number' : 'resource_number'} = ANY($1::text[])
          ORDER BY u.qty_per_unit_of_measure, u.code`,
        [numbers, item ? 'itemUnitsOfMeasure' : 'resourceUnitsOfMeasure'],
      );
      for (const row of q.rows) {
        const key = `${item ? 'items' : 'resources'}:${row.owner}`;
        const list = byOwner.get(key) ?? [];
        list.push({ crmId: row.crm_id, qty: row.qty });
        byOwner.set(key, list);
      }
    }
    return byOwner;
  }
}

const ownerKey = (r: CrmInsert) =>
  `${r.mapping.erpTable === 'items' ? 'items' : 'resources'}:${String(r.erp.values.number)}`;
