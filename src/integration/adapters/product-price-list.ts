import { TRANSPORT_CODES } from '../../dataverse/index.ts';
import type { Queryable } from '../../db/db.ts';
import { newId } from '../../shared/ids.ts';
import { Dec } from '../../shared/money.ts';
import type {
  CrmInsert,
  CrmUpdate,
  CrmWriteExtension,
  RecordFailure,
} from '../../sync/engine/context.ts';
import { passFailed } from '../../sync/errors.ts';
import type { CrmPort, CrmWrite } from '../../sync/ports.ts';

/** The name of the price list products created from items and resources are put on. */
export const DEFAULT_PRICE_LIST_NAME = 'Default Price List';

const lookupTo = (lookupEntity: string, id: string) => ({ lookupEntity, id });

/** Products whose price list items one query reads (a filter of 100 ids stays a short URL). */
const PRODUCTS_PER_READ = 100;

/**
 * Products created from items and resources, as Business Central creates them: the product gets
 * the default price list, and that list gets a price list item per unit of the product's unit
 * group (amount = unit price × quantity of the unit), so the product can be sold at once. The
 * price list items go in the product's own create (a deep insert): one operation per product in
 * the chunk's `$batch`, and a product never exists without its prices (a second `$batch` after
 * the products cost a request per chunk and, when a run stopped between the two, left products
 * without price list items that no later run created). The default price list is not valid for
 * create in Dataverse (ignored there): it goes in an update of the product in the create's change
 * set (`updateAfter`), so a product is created with its default price list or not at all. An
 * updated product gets the price list items of the units it got since (`beforeUpdate`).
 */
export function productPriceListExtension(db: Queryable, crm: CrmPort): CrmWriteExtension {
  let priceList: string | undefined;
  const failAll = (rows: readonly (CrmInsert | CrmUpdate)[], message: string): RecordFailure[] =>
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

    /**
     * A product updated from its item or resource gets a price list item on the default price
     * list for each unit of its unit group that has none yet — a unit the item got after the
     * product was created (a new base unit: ITEM UOM creates the unit, this update makes it the
     * default unit). Business Central does the same on every transfer of an item to its product
     * (`UpdateCRMPriceListItems` after the fields are transferred, on modify as on insert). The
     * items the list has are read first, so a run retried, or a second one, never adds one twice;
     * they are created before the product's update, which is sent only once they exist.
     */
    async beforeUpdate(rows) {
      const unitsByOwner = await unitsOf(rows);
      const wanted = rows.filter((r) => (unitsByOwner.get(ownerKey(r)) ?? []).length > 0);
      if (wanted.length === 0) return [];
      const list = await defaultPriceList();
      if (!list.ok) return failAll(wanted, list.message);
      const have = await unitsPricedOn(
        list.id,
        wanted.map((r) => r.crmId),
      );
      if (!have.ok) return failAll(wanted, have.message);
      const creates: { row: CrmUpdate; write: CrmWrite }[] = [];
      for (const r of wanted) {
        const price = new Dec(String(r.erp.values.unitPrice ?? 0));
        for (const u of unitsByOwner.get(ownerKey(r)) ?? []) {
          if (!u.crmId || have.value.has(pricedKey(r.crmId, u.crmId))) continue;
          const values = {
            productid: lookupTo('product', r.crmId),
            pricelevelid: lookupTo('pricelevel', list.id),
            uomid: lookupTo('uom', u.crmId),
            pricingmethodcode: 1,
            amount: Number(price.times(u.qty).toFixed(2)),
          };
          creates.push({
            row: r,
            write: { kind: 'create', entity: 'productpricelevel', id: newId(), values },
          });
        }
      }
      if (creates.length === 0) return [];
      const written = await crm.write(creates.map((c) => c.write));
      // The CRM gone is no record's fault (as for the pass's own writes): the pass stops.
      if (!written.ok)
        throw passFailed('crm_unreachable', `Writing to the CRM failed: ${written.error.message}`);
      const failures = new Map<string, string>();
      for (const [i, c] of creates.entries()) {
        const r = written.value[i]!;
        if (!r.ok && !failures.has(c.row.erp.id))
          failures.set(
            c.row.erp.id,
            `Creating a price list item of the product failed: ${r.message.replace(/\.+$/, '')}`,
          );
      }
      return [...failures].map(([erpId, message]) => ({ erpId, message }));
    },
  };

  /** `product|uom` of the price list items `list` has for the products (those with a unit). */
  async function unitsPricedOn(
    list: string,
    productIds: readonly string[],
  ): Promise<{ ok: true; value: Set<string> } | { ok: false; message: string }> {
    const have = new Set<string>();
    for (let i = 0; i < productIds.length; i += PRODUCTS_PER_READ) {
      const ids = productIds.slice(i, i + PRODUCTS_PER_READ);
      const found = await crm.find(
        'productpricelevel',
        [
          { field: 'pricelevelid', op: 'eq', value: list },
          { field: 'productid', op: 'in', value: ids },
        ],
        5000,
      );
      if (!found.ok && TRANSPORT_CODES.has(found.error.code))
        throw passFailed('crm_unreachable', `Reading from the CRM failed: ${found.error.message}`);
      if (!found.ok)
        return { ok: false, message: `Reading price list items failed: ${found.error.message}` };
      for (const row of found.value) {
        const { productid, uomid } = row.values;
        if (typeof productid === 'string' && typeof uomid === 'string')
          have.add(pricedKey(productid, uomid));
      }
    }
    return { ok: true, value: have };
  }

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
    rows: readonly (CrmInsert | CrmUpdate)[],
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

const pricedKey = (product: string, uom: string) => `${product}|${uom}`.toLowerCase();

const ownerKey = (r: CrmInsert | CrmUpdate) =>
  `${r.mapping.erpTable === 'items' ? 'items' : 'resources'}:${String(r.erp.values.number)}`;
