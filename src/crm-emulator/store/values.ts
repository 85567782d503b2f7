import {
  isValidIsoDate,
  isValidIsoDateOrDateTime,
  isValidIsoDateTime,
} from '../../shared/calendar.ts';
import { isGuid } from '../../shared/ids.ts';
import {
  type ColumnDef,
  type EntityDef,
  entityBySet,
  navigations,
  wireName,
} from '../catalogue/index.ts';
import { badRequest, CODES, CrmError, invalidProperty } from '../errors.ts';

/** A lookup value being written: target table and id. */
export interface Binding {
  readonly column: string;
  readonly target: string;
  readonly id: string;
}

/** Column changes of a create or update, by stored key, plus the lookups to check. */
export interface Payload {
  readonly changes: Record<string, unknown>;
  readonly bindings: Binding[];
}

const validation = (message: string) =>
  new CrmError(400, CODES.validation, `A validation error occurred. ${message}`);

/**
 * Ranges Dataverse enforces when a column declares none: whole numbers are 32-bit, decimals
 * ±100,000,000,000, money ±922,337,203,685,477, and dates from 1753-01-01 (SQL Server's datetime).
 */
const DEFAULT_RANGE: Partial<Record<ColumnDef['type'], { min: number; max: number }>> = {
  integer: { min: -2_147_483_648, max: 2_147_483_647 },
  picklist: { min: -2_147_483_648, max: 2_147_483_647 },
  state: { min: -2_147_483_648, max: 2_147_483_647 },
  status: { min: -2_147_483_648, max: 2_147_483_647 },
  bigint: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  decimal: { min: -100_000_000_000, max: 100_000_000_000 },
  money: { min: -922_337_203_685_477, max: 922_337_203_685_477 },
};
const FIRST_DAY = '1753-01-01';

const outOfRangeDate = (column: string) =>
  badRequest(
    `The date-time format for ${column} is invalid, or value is outside the supported range.`,
    CODES.invalidArgument,
  );

/** Checks and normalizes one column value from a request body. */
export function convertValue(
  entity: EntityDef,
  column: string,
  def: ColumnDef,
  value: unknown,
): unknown {
  if (value === null) return null;
  const wrongType = () =>
    badRequest(
      `Cannot convert the literal '${JSON.stringify(value)}' to the expected type '${def.type}' of '${column}'.`,
      CODES.invalidArgument,
    );
  switch (def.type) {
    case 'string':
    case 'memo':
      if (typeof value !== 'string') throw wrongType();
      if (def.maxLength !== undefined && value.length > def.maxLength) {
        throw validation(
          `The length of the '${column}' attribute of the '${entity.logicalName}' entity exceeded the maximum allowed length of '${def.maxLength}'.`,
        );
      }
      return value;
    case 'integer':
    case 'bigint':
    case 'picklist':
    case 'state':
    case 'status':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType();
      // Values from 100,000,000 up were added at run time (InsertOptionValue, crm.custom_options).
      if (
        def.options &&
        !def.options.some((o) => o.value === value) &&
        !(def.type === 'picklist' && value >= 100_000_000)
      ) {
        throw validation(
          `The value ${value} of '${column}' on record of type '${entity.logicalName}' is outside the valid range.`,
        );
      }
      break;
    case 'decimal':
    case 'money':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType();
      break;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType();
      return value;
    case 'datetime': {
      // Date.parse would roll 2026-02-30 over to March 2: a day that does not exist is refused.
      if (typeof value !== 'string' || !isValidIsoDateOrDateTime(value)) throw wrongType();
      const iso = new Date(value).toISOString();
      if (iso < FIRST_DAY) throw outOfRangeDate(column);
      return iso.replace(/\.\d{3}Z$/, 'Z');
    }
    case 'dateonly':
      if (typeof value !== 'string') throw wrongType();
      if (isValidIsoDate(value)) {
        if (value < FIRST_DAY) throw outOfRangeDate(column);
        return value;
      }
      if (!isValidIsoDateTime(value)) throw wrongType();
      if (value.slice(0, 10) < FIRST_DAY) throw outOfRangeDate(column);
      return new Date(value).toISOString().slice(0, 10);
    case 'guid':
      if (typeof value !== 'string' || !isGuid(value)) throw wrongType();
      return value.toLowerCase();
    case 'lookup':
      throw wrongType();
  }
  const n = value as number;
  const min = def.min ?? DEFAULT_RANGE[def.type]?.min;
  const max = def.max ?? DEFAULT_RANGE[def.type]?.max;
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw validation(
      `The value ${n} of '${column}' on record of type '${entity.logicalName}' is outside the valid range.`,
    );
  }
  return n;
}

const REF = /(?:^|\/)([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)$/;

/** Parses an entity reference (`/accounts(<id>)`, absolute URL, or a resolved `$n`). */
export function parseReference(ref: string): { set: string; id: string } | undefined {
  const m = REF.exec(ref.trim());
  if (!m) return undefined;
  let key = m[2]!.trim();
  const eq = key.indexOf('=');
  if (eq >= 0) key = key.slice(eq + 1);
  if (!isGuid(key)) return undefined;
  return { set: m[1]!, id: key.toLowerCase() };
}

/**
 * Reads a create/update body: plain columns by logical name, lookups through
 * `<nav>@odata.bind`. Unknown properties fail as Dataverse does; read-only columns are ignored.
 */
export function readPayload(
  entity: EntityDef,
  body: unknown,
  resolveContentId: (ref: string) => string | undefined,
): Payload {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  const changes: Record<string, unknown> = {};
  const bindings: Binding[] = [];
  const navs = navigations(entity);
  for (const [key, value] of Object.entries(body)) {
    const at = key.indexOf('@');
    if (at === 0) continue; // @odata.type, @odata.etag, @odata.context
    if (at > 0) {
      const name = key.slice(0, at);
      const annotation = key.slice(at + 1);
      if (annotation !== 'odata.bind') continue;
      const candidates = navs.get(name);
      if (!candidates) throw invalidProperty(name, entity.logicalName);
      const column = candidates[0]!.column;
      if (entity.columns[column]?.readOnly) continue;
      if (value === null) {
        changes[`_${column}_value`] = null;
        changes[`_${column}_type`] = null;
        continue;
      }
      if (typeof value !== 'string') throw badRequest(`The value of '${key}' must be a URL.`);
      const url = value.startsWith('$') ? resolveContentId(value) : value;
      const ref = url ? parseReference(url) : undefined;
      const target = ref ? entityBySet(ref.set) : undefined;
      const nav = target && candidates.find((c) => c.target === target.logicalName);
      if (!ref || !nav) {
        throw badRequest(`The value '${value}' of '${key}' is not a valid entity reference.`);
      }
      changes[`_${column}_value`] = ref.id;
      changes[`_${column}_type`] = nav.target;
      bindings.push({ column, target: nav.target, id: ref.id });
      continue;
    }
    const def = entity.columns[key];
    if (!def || def.type === 'lookup') {
      // A navigation property set to null clears the lookup (PATCH {"primarycontactid": null}).
      const nav = navs.get(key);
      if (nav && value === null) {
        changes[`_${nav[0]!.column}_value`] = null;
        changes[`_${nav[0]!.column}_type`] = null;
        continue;
      }
      if (nav) throw badRequest(`Deep insert through '${key}' is not supported by the emulator.`);
      throw invalidProperty(key, entity.logicalName);
    }
    if (def.readOnly) continue;
    changes[wireName(key, def)] = convertValue(entity, key, def, value);
  }
  return { changes, bindings };
}

/**
 * What a create keeps of a payload: columns not valid for create (`updateOnly`) are dropped, as
 * Dataverse ignores them on create without an error.
 */
export function createPayload(entity: EntityDef, payload: Payload): Payload {
  const dropped = Object.entries(entity.columns).filter(([, def]) => def.updateOnly);
  if (!dropped.some(([c, def]) => wireName(c, def) in payload.changes)) return payload;
  const changes = { ...payload.changes };
  for (const [column, def] of dropped) {
    delete changes[wireName(column, def)];
    delete changes[`_${column}_type`];
  }
  const gone = new Set(dropped.map(([c]) => c));
  return { changes, bindings: payload.bindings.filter((b) => !gone.has(b.column)) };
}
