import type { Queryable } from '../../db/db.ts';

/**
 * BC's Item/Resource "Base Unit of Measure" validation: the unit becomes one of the record's units
 * (Item/Resource Unit of Measure, quantity 1) when it is not one already, on insert and on modify.
 * Without it the integration's units (ITEM UOM, RESOURCE UOM) and the product's default unit have
 * nothing to point at.
 */
const baseUnitOf =
  (records: string, units: string, owner: string) =>
  async (tx: Queryable, ids: readonly string[]): Promise<void> => {
    await tx.query(
      `INSERT INTO ${units} (${owner}, code, qty_per_unit_of_measure)
       SELECT t.number, t.base_unit_of_measure_code, 1 FROM ${records} t
        WHERE t.id = ANY($1::uuid[]) AND t.base_unit_of_measure_code IS NOT NULL
       ON CONFLICT (${owner}, code) DO NOTHING`,
      [ids],
    );
  };

export const itemBaseUnit = baseUnitOf('erp.items', 'erp.item_units_of_measure', 'item_number');
export const resourceBaseUnit = baseUnitOf(
  'erp.resources',
  'erp.resource_units_of_measure',
  'resource_number',
);
