import type { ColumnDef, EntityDef, OptionDef, StateDef } from './types.ts';

type Opts = Partial<Omit<ColumnDef, 'type'>>;

export const str = (maxLength = 100, o: Opts = {}): ColumnDef => ({
  type: 'string',
  maxLength,
  ...o,
});
export const memo = (maxLength = 2000, o: Opts = {}): ColumnDef => ({
  type: 'memo',
  maxLength,
  ...o,
});
export const int = (o: Opts = {}): ColumnDef => ({ type: 'integer', ...o });
export const decimal = (o: Opts = {}): ColumnDef => ({ type: 'decimal', ...o });
export const money = (o: Opts = {}): ColumnDef => ({ type: 'money', ...o });
export const bool = (o: Opts = {}): ColumnDef => ({ type: 'boolean', ...o });
export const datetime = (o: Opts = {}): ColumnDef => ({ type: 'datetime', ...o });
export const dateonly = (o: Opts = {}): ColumnDef => ({ type: 'dateonly', ...o });
export const guid = (o: Opts = {}): ColumnDef => ({ type: 'guid', ...o });
export const computed = (c: ColumnDef): ColumnDef => ({ ...c, readOnly: true });

/** A choice column from `[value, label]` pairs. */
export const choice = (pairs: readonly (readonly [number, string])[], o: Opts = {}): ColumnDef => ({
  type: 'picklist',
  options: pairs.map(([value, label]) => ({ value, label })),
  ...o,
});

/**
 * A lookup. One target: the navigation property is the column name. Several targets (Customer,
 * Regarding): one navigation property per target, `<column>_<target>`, unless `sharedNavigation`
 * (Owner: `ownerid` for both systemuser and team).
 */
export function lookup(targets: string | readonly string[], o: Opts = {}): ColumnDef {
  const list = typeof targets === 'string' ? [targets] : targets;
  return { type: 'lookup', targets: list, ...o };
}

/** State definitions from `[state, label, defaultStatus, [[status, label], …]]`. */
export const states = (
  defs: readonly (readonly [number, string, number, readonly (readonly [number, string])[]])[],
): StateDef[] =>
  defs.map(([value, label, defaultStatus, statuses]) => ({
    value,
    label,
    defaultStatus,
    statuses: statuses.map(([v, l]): OptionDef => ({ value: v, label: l })),
  }));

export const ACTIVE_INACTIVE = states([
  [0, 'Active', 1, [[1, 'Active']]],
  [1, 'Inactive', 2, [[2, 'Inactive']]],
]);

export const ADDRESS1: Record<string, ColumnDef> = {
  address1_line1: str(250),
  address1_line2: str(250),
  address1_line3: str(250),
  address1_city: str(80),
  address1_stateorprovince: str(50),
  address1_postalcode: str(20),
  address1_country: str(80),
  address1_telephone1: str(50),
  address1_composite: computed(memo(1000)),
};

const address = (prefix: string): Record<string, ColumnDef> => ({
  [`${prefix}_name`]: str(200),
  [`${prefix}_line1`]: str(250),
  [`${prefix}_line2`]: str(250),
  [`${prefix}_line3`]: str(250),
  [`${prefix}_city`]: str(80),
  [`${prefix}_stateorprovince`]: str(50),
  [`${prefix}_postalcode`]: str(20),
  [`${prefix}_country`]: str(80),
  [`${prefix}_telephone`]: str(50),
  [`${prefix}_composite`]: computed(memo(1000)),
});
export const BILLTO_SHIPTO: Record<string, ColumnDef> = {
  ...address('billto'),
  ...address('shipto'),
  willcall: bool({ default: false }),
};

/** Columns the server keeps on every table. */
const SYSTEM_COLUMNS: Record<string, ColumnDef> = {
  createdon: computed(datetime()),
  modifiedon: computed(datetime()),
  overriddencreatedon: datetime({ createOnly: true }),
  versionnumber: computed({ type: 'bigint' }),
  createdby: computed(lookup('systemuser')),
  modifiedby: computed(lookup('systemuser')),
};

const OWNER_COLUMNS: Record<string, ColumnDef> = {
  ownerid: lookup(['systemuser', 'team'], { sharedNavigation: true }),
  owninguser: computed(lookup('systemuser')),
  owningteam: computed(lookup('team')),
  owningbusinessunit: computed(lookup('businessunit')),
};

/** Columns of money-bearing tables. */
export const CURRENCY_COLUMNS: Record<string, ColumnDef> = {
  transactioncurrencyid: lookup('transactioncurrency'),
  exchangerate: computed(decimal()),
};

/** Completes an entity definition with the system, owner and state columns. */
export function entity(
  def: Omit<EntityDef, 'changeTracking' | 'columns' | 'ownership'> & {
    columns: Record<string, ColumnDef>;
    ownership?: EntityDef['ownership'];
    changeTracking?: boolean;
  },
): EntityDef {
  const ownership = def.ownership ?? 'user';
  const columns: Record<string, ColumnDef> = {
    [def.primaryKey]: guid({ createOnly: true }),
    ...def.columns,
    ...SYSTEM_COLUMNS,
    ...(ownership === 'user' ? OWNER_COLUMNS : {}),
  };
  if (def.states) {
    columns.statecode = { type: 'state' };
    columns.statuscode = { type: 'status' };
  }
  return { ...def, ownership, changeTracking: def.changeTracking ?? true, columns };
}

/** The option sets Dataverse ships for payment terms, shipping method and freight terms. */
export const PAYMENT_TERMS = choice([
  [1, 'Net 30'],
  [2, '2% 10, Net 30'],
  [3, 'Net 45'],
  [4, 'Net 60'],
]);
export const SHIPPING_METHOD = choice([
  [1, 'Airborne'],
  [2, 'DHL'],
  [3, 'FedEx'],
  [4, 'UPS'],
  [5, 'Postal Mail'],
  [6, 'Full Load'],
  [7, 'Will Call'],
]);
export const FREIGHT_TERMS = choice([
  [1, 'FOB'],
  [2, 'No Charge'],
]);
