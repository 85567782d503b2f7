import { documentEntities } from './document-entities.ts';
import type { EntityDef } from './field-types.ts';
import { masterEntities } from './master-data-entities.ts';

export type { EntityDef, FieldDef, FieldType } from './field-types.ts';

/** Every API entity set, by its BC v2.0 name. */
export const entities: ReadonlyMap<string, EntityDef> = new Map(
  [...masterEntities, ...documentEntities].map((e) => [e.set, e]),
);

/** The entity definition of a set (throws for a name that is not in the catalogue: a bug). */
export function entity(set: string): EntityDef {
  const e = entities.get(set);
  if (!e) throw new Error(`Unknown ERP entity set ${set}`);
  return e;
}
