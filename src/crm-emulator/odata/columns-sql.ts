import { type ColumnDef, columnByWireName, type EntityDef } from '../catalogue/index.ts';
import { queryError } from '../errors.ts';

/** How a column reads in SQL over `crm.records r`, and the SQL type values compare as. */
export interface ColumnSql {
  readonly wire: string;
  readonly def: ColumnDef;
  readonly sql: string;
  /** Cast applied to bound values: '' for text. */
  readonly cast: '' | 'numeric' | 'boolean' | 'timestamptz' | 'date' | 'uuid';
  readonly text: boolean;
}

const SYSTEM: Record<string, { sql: string; cast: ColumnSql['cast'] }> = {
  createdon: { sql: 'created_on', cast: 'timestamptz' },
  modifiedon: { sql: 'modified_on', cast: 'timestamptz' },
  versionnumber: { sql: 'version_number', cast: 'numeric' },
};

const CAST: Record<ColumnDef['type'], ColumnSql['cast']> = {
  string: '',
  memo: '',
  integer: 'numeric',
  bigint: 'numeric',
  decimal: 'numeric',
  money: 'numeric',
  picklist: 'numeric',
  state: 'numeric',
  status: 'numeric',
  boolean: 'boolean',
  datetime: 'timestamptz',
  dateonly: 'date',
  guid: '',
  lookup: '',
};

/** The SQL of a column by its wire name; an unknown name is Dataverse's query error. */
export function columnSql(entity: EntityDef, wire: string, alias = 'r'): ColumnSql {
  const found = columnByWireName(entity, wire);
  if (!found) {
    throw queryError(
      `Could not find a property named '${wire}' on type 'Microsoft.Dynamics.CRM.${entity.logicalName}'.`,
    );
  }
  const { column, def } = found;
  if (column === entity.primaryKey) {
    return { wire, def, sql: `${alias}.id`, cast: 'uuid', text: false };
  }
  const system = SYSTEM[column];
  if (system) return { wire, def, sql: `${alias}.${system.sql}`, cast: system.cast, text: false };
  const key = def.type === 'lookup' ? `_${column}_value` : column;
  const raw = `(${alias}.data->>'${key}')`;
  const cast = CAST[def.type];
  const text = def.type === 'string' || def.type === 'memo';
  return { wire, def, sql: cast ? `${raw}::${cast}` : raw, cast, text };
}

/** `ORDER BY` items for `$orderby`, with the id last so pages are stable. */
export function orderSql(
  entity: EntityDef,
  orderBy: readonly { wire: string; desc: boolean }[],
  alias = 'r',
): string {
  const parts = orderBy.map(({ wire, desc }) => {
    const col = columnSql(entity, wire, alias);
    // SQL Server (and so Dataverse) sorts nulls first ascending, last descending.
    return `${col.text ? `lower(${col.sql})` : col.sql} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`;
  });
  return [...parts, `${alias}.id`].join(', ');
}
