import type { Queryable } from '../../db/db.ts';
import { isGuid, newId } from '../../shared/ids.ts';
import type { EntityDef } from '../catalogue/index.ts';
import { duplicateKey, queryError } from '../errors.ts';
import { convertValue } from '../store/values.ts';
import type { RequestContext } from './types.ts';

/**
 * Alternate keys: none exist unless declared (as in Dataverse, where an administrator defines
 * them). `startCrmEmulator({ alternateKeys: { account: [['accountnumber']] } })` lets tests
 * address `accounts(accountnumber='A1')` and makes the emulator refuse duplicates of the key.
 */
export type AlternateKeys = Readonly<Record<string, readonly (readonly string[])[]>>;

/** A key segment: the primary key, or column values of an alternate key. */
export type KeySegment = { id: string } | { values: Record<string, unknown>; text: string };

const PAIR = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^']|'')*'|[^,]+)\s*(,|$)/y;

export function parseKeySegment(entity: EntityDef, text: string): KeySegment {
  const plain = text.trim();
  if (!plain.includes('=')) {
    if (!isGuid(plain)) throw queryError('Bad Request - Error in query syntax.');
    return { id: plain.toLowerCase() };
  }
  const values: Record<string, unknown> = {};
  let i = 0;
  while (i < plain.length) {
    PAIR.lastIndex = i;
    const m = PAIR.exec(plain);
    if (!m || m[0] === '') throw queryError('Bad Request - Error in query syntax.');
    i = PAIR.lastIndex;
    const raw = m[2]!.trim();
    values[m[1]!] = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/''/g, "'")
      : raw === 'true' || raw === 'false'
        ? raw === 'true'
        : isGuid(raw)
          ? raw.toLowerCase()
          : Number.isFinite(Number(raw))
            ? Number(raw)
            : raw;
  }
  const names = Object.keys(values);
  if (names.length === 1 && names[0] === entity.primaryKey) {
    const id = String(values[entity.primaryKey]);
    if (!isGuid(id)) throw queryError('Bad Request - Error in query syntax.');
    return { id: id.toLowerCase() };
  }
  return { values, text: plain };
}

/** The declared key whose columns are exactly `names`, or Dataverse's error. */
function declaredKey(ctx: RequestContext, entity: EntityDef, names: string[]): readonly string[] {
  const keys = ctx.alternateKeys?.[entity.logicalName] ?? [];
  const wanted = [...names].sort().join(',');
  const key = keys.find((k) => [...k].sort().join(',') === wanted);
  if (!key) {
    throw queryError(
      `The key '${names.join(',')}' is not defined as an alternate key of '${entity.logicalName}'.`,
    );
  }
  return key;
}

/** Converts the key's values to the columns' types (as a body would carry them). */
export function keyColumns(
  ctx: RequestContext,
  entity: EntityDef,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const key = declaredKey(ctx, entity, Object.keys(values));
  return Object.fromEntries(
    key.map((c) => [c, convertValue(entity, c, entity.columns[c]!, values[c])]),
  );
}

async function findByColumns(
  q: Queryable,
  entity: EntityDef,
  columns: Record<string, unknown>,
  exceptId?: string,
): Promise<string | undefined> {
  const names = Object.keys(columns);
  const conditions = names.map((c, i) => `lower(data->>'${c}') = lower($${i + 2})`);
  const params: unknown[] = [entity.logicalName, ...names.map((c) => String(columns[c]))];
  if (exceptId) {
    params.push(exceptId);
    conditions.push(`id <> $${params.length}::uuid`);
  }
  const r = await q.query<{ id: string }>(
    `SELECT id FROM crm.records WHERE entity = $1 AND ${conditions.join(' AND ')} LIMIT 1`,
    params,
  );
  return r.rows[0]?.id;
}

/** The record an alternate key names: its id, or a new id when there is none (for upsert). */
export async function resolveAlternateKey(
  ctx: RequestContext,
  entity: EntityDef,
  values: Record<string, unknown>,
): Promise<{ id: string; found: boolean; columns: Record<string, unknown> }> {
  const columns = keyColumns(ctx, entity, values);
  // Column names come from the declared key (never from the request) before they reach SQL.
  const id = await findByColumns(ctx.tx ?? ctx.db, entity, columns);
  return id ? { id, found: true, columns } : { id: newId(), found: false, columns };
}

/** Refuses a write that would give two records the same values of a declared key. */
export async function checkAlternateKeys(
  ctx: RequestContext,
  q: Queryable,
  entity: EntityDef,
  id: string,
  data: Record<string, unknown>,
): Promise<void> {
  for (const key of ctx.alternateKeys?.[entity.logicalName] ?? []) {
    if (key.some((c) => data[c] === undefined || data[c] === null)) continue;
    const columns = Object.fromEntries(key.map((c) => [c, data[c]]));
    if (await findByColumns(q, entity, columns, id)) throw duplicateKey();
  }
}
