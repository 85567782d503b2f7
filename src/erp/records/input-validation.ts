import { z } from 'zod';
import { isValidIsoDate, isValidIsoDateTime } from '../../shared/calendar.ts';
import { dec } from '../../shared/money.ts';
import { agree } from '../../shared/plural.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import type { EntityDef, FieldDef } from '../catalog/field-types.ts';

// Business Central's Decimal stops short of ±1e15 (±999,999,999,999,999.99): larger amounts and
// quantities are refused, never stored.
const DECIMAL = /^-?\d{1,15}(\.\d{1,20})?$/;
const DECIMAL_LIMIT = '999999999999999.99';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A decimal from a JSON number or a decimal string, within the field's range. */
function decimal(def: FieldDef): z.ZodType {
  const min = dec(def.min ?? `-${DECIMAL_LIMIT}`);
  const max = dec(def.max ?? DECIMAL_LIMIT);
  return z
    .union([
      z
        .number()
        .finite()
        .transform((n) => String(n)),
      z.string().regex(DECIMAL, 'must be a decimal number'),
    ])
    .refine(
      // Runs even when the union already failed (zod reports both): only judge real decimals.
      (s) => !DECIMAL_TEXT.test(String(s)) || (dec(s).gte(min) && dec(s).lte(max)),
      `must be from ${min.toFixed()} to ${max.toFixed()}`,
    );
}

/** An option field; where BC's blank option is a space, '' is read as that blank too. */
function blankOption(values: readonly string[]): z.ZodType {
  const options = z.enum(values as [string, ...string[]]);
  return values.includes(' ') ? z.preprocess((v) => (v === '' ? ' ' : v), options) : options;
}

function validator(def: FieldDef): z.ZodType {
  let v: z.ZodType;
  switch (def.type) {
    case 'string':
      v = def.values ? blankOption(def.values) : z.string().max(def.maxLength ?? 250);
      break;
    case 'decimal':
      v = decimal(def);
      break;
    case 'integer':
      v = z.number().int().min(-2147483648).max(2147483647);
      break;
    case 'boolean':
      v = z.boolean();
      break;
    case 'date':
      v = z
        .string()
        .regex(DATE, 'must be a date yyyy-mm-dd')
        .refine(isValidIsoDate, 'must be a date that exists');
      break;
    case 'datetime':
      v = z
        .string()
        .datetime({ offset: true })
        .refine(isValidIsoDateTime, 'must be a date and time that exist');
      break;
    case 'guid':
      v = z.string().uuid();
      break;
    case 'json':
      v = z.unknown();
      break;
  }
  return def.nullable ? v.nullable() : v;
}

const schemas = new WeakMap<EntityDef, z.ZodType<Record<string, unknown>>>();

/** The strict zod schema of what a client may write to an entity (every field optional). */
export function writeSchema(def: EntityDef): z.ZodType<Record<string, unknown>> {
  let s = schemas.get(def);
  if (!s) {
    const shape: Record<string, z.ZodType> = { id: z.string().uuid().optional() };
    for (const field of def.fields) {
      if (field.readOnly || !field.column) continue;
      shape[field.name] = validator(field).optional();
    }
    s = z.strictObject(shape) as unknown as z.ZodType<Record<string, unknown>>;
    schemas.set(def, s);
  }
  return s;
}

/**
 * Checks a create/update body against the entity: unknown fields → `unknown_field`, read-only
 * fields → `read_only_field`, wrong types → `validation_failed` (every issue listed, with paths).
 * Returns the values by field name; `@odata.etag` is ignored as BC does.
 */
export function checkInput(
  def: EntityDef,
  body: unknown,
  mode: 'create' | 'update',
): Result<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return failure('validation_failed', 'The body must be a JSON object');
  const input = { ...(body as Record<string, unknown>) };
  delete input['@odata.etag'];
  const byName = new Map(def.fields.map((x) => [x.name, x]));
  const readOnly = Object.keys(input).filter(
    (k) => byName.get(k) && (byName.get(k)!.readOnly || !byName.get(k)!.column) && k !== 'id',
  );
  if (readOnly.length > 0)
    return failure(
      'read_only_field',
      `${agree(readOnly.length, 'Read-only field', 'Read-only fields')}: ${readOnly.join(', ')}`,
      {
        fields: readOnly,
      },
    );
  if (mode === 'update' && 'id' in input)
    return failure('read_only_field', 'Read-only field: id', { fields: ['id'] });
  const parsed = writeSchema(def).safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.join('.'),
      code: i.code,
      message: i.message,
      ...(i.code === 'unrecognized_keys' ? { keys: (i as { keys: string[] }).keys } : {}),
    }));
    const unknown = issues.find((i) => i.code === 'unrecognized_keys');
    if (unknown)
      return failure(
        'unknown_field',
        `${agree(unknown.keys!.length, 'Unknown field', 'Unknown fields')}: ${unknown.keys!.join(', ')}`,
        issues,
      );
    return failure(
      'validation_failed',
      issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; '),
      issues,
    );
  }
  if (mode === 'create') {
    const missing = def.fields.filter((x) => x.required && parsed.data[x.name] == null);
    if (missing.length > 0)
      return failure(
        'validation_failed',
        `${agree(missing.length, 'Required field', 'Required fields')} missing: ${missing.map((x) => x.name).join(', ')}`,
      );
  }
  return ok(parsed.data);
}
