import type { Queryable } from '../../db/db.ts';
import { entityAttributes, entityMetadata, metadataId } from '../catalogue/definitions.ts';
import { ENTITIES, type EntityDef } from '../catalogue/index.ts';
import type { OptionDef } from '../catalogue/types.ts';
import { badRequest, CODES, CrmError, queryError, segmentNotFound } from '../errors.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

/** Options added at run time (InsertOptionValue), by `entity.attribute`. */
export async function customOptions(db: Queryable): Promise<Map<string, OptionDef[]>> {
  const r = await db.query<{ entity: string; attribute: string; value: number; label: string }>(
    'SELECT entity, attribute, value, label FROM crm.custom_options ORDER BY value',
  );
  const out = new Map<string, OptionDef[]>();
  for (const row of r.rows) {
    const k = `${row.entity}.${row.attribute}`;
    out.set(k, [...(out.get(k) ?? []), { value: row.value, label: row.label }]);
  }
  return out;
}

type Item = Record<string, unknown>;

/** Splits at `sep` outside parentheses and quotes. */
export function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * The `$filter` the metadata API takes here: comparisons `Property eq|ne value` joined by one
 * kind of `and`/`or` (values: 'text', true, false, numbers, enum literals `Type'Value'`).
 */
function metadataFilter(text: string | null): (item: Item) => boolean {
  if (!text) return () => true;
  const joiner = / or /i.test(text) ? 'or' : 'and';
  const terms = text.split(new RegExp(` ${joiner} `, 'i')).map((t) => {
    const m =
      /^\s*\(?\s*([A-Za-z]+)(?:\/Value)?\s+(eq|ne)\s+(?:[A-Za-z.]+)?('(?:[^']|'')*'|true|false|-?\d+)\s*\)?\s*$/i.exec(
        t,
      );
    if (!m)
      throw queryError(`The metadata $filter "${t.trim()}" is not supported by the emulator.`);
    const [, prop, op, raw] = m as unknown as [string, string, string, string];
    const value = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/''/g, "'")
      : raw === 'true' || raw === 'false'
        ? raw === 'true'
        : Number(raw);
    return (item: Item) => {
      let v = item[prop];
      if (v && typeof v === 'object' && 'Value' in v) v = (v as { Value: unknown }).Value;
      return op.toLowerCase() === 'eq' ? v === value : v !== value;
    };
  });
  return (item) => (joiner === 'or' ? terms.some((t) => t(item)) : terms.every((t) => t(item)));
}

function selectProps(item: Item, select: string | undefined, keep: string[]): Item {
  if (!select) return item;
  const names = new Set([...select.split(',').map((s) => s.trim()), ...keep]);
  return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k)));
}

/** `name(opt=…;opt=…)` items of `$expand`, with their options. */
function expandItems(text: string | null): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const part of splitTop(text ?? '', ',')) {
    const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(part);
    if (!m) throw queryError(`Invalid $expand "${part}".`);
    const opts: Record<string, string> = {};
    for (const o of splitTop(m[2] ?? '', ';')) {
      const eq = o.indexOf('=');
      opts[o.slice(0, eq).trim()] = o.slice(eq + 1).trim();
    }
    for (const k of Object.keys(opts))
      if (k !== '$select' && k !== '$filter')
        throw queryError(`The option ${k} in $expand is not supported by the emulator.`);
    out.set(m[1]!, opts);
  }
  return out;
}

function attributesOf(
  entity: EntityDef,
  custom: Map<string, OptionDef[]>,
  options: { cast?: string; select?: string; filter?: string | null; optionSet?: boolean },
): Item[] {
  const filter = metadataFilter(options.filter ?? null);
  return entityAttributes(
    entity,
    (column) => custom.get(`${entity.logicalName}.${column}`),
    options.optionSet,
  )
    .filter((a) => !options.cast || a['@odata.type'] === `#Microsoft.Dynamics.CRM.${options.cast}`)
    .filter(filter)
    .map((a) =>
      selectProps(a, options.select, [
        'MetadataId',
        '@odata.type',
        ...(options.optionSet ? ['OptionSet'] : []),
      ]),
    );
}

const CAST = /^Microsoft\.Dynamics\.CRM\.([A-Za-z]+AttributeMetadata)$/;

/**
 * `GET EntityDefinitions…`: the tables of the catalogue as EntityMetadata, their columns as
 * AttributeMetadata, with `$select`, `$filter` (simple comparisons), `$expand=Attributes(…)` and
 * `OptionSet` on choice columns, and casts to a derived attribute type.
 */
export async function entityDefinitions(
  ctx: RequestContext,
  req: ApiRequest,
  path: string,
): Promise<ApiResponse> {
  if (req.method !== 'GET')
    throw badRequest('The emulator serves table definitions read-only (GET).');
  const q = req.url.searchParams;
  const segs = splitTop(path, '/');
  const head = /^EntityDefinitions(?:\((.*)\))?$/.exec(segs[0]!);
  if (!head) throw segmentNotFound(segs[0]!);
  const custom = await customOptions(ctx.tx ?? ctx.db);
  const context = `${ctx.apiUrl}$metadata#EntityDefinitions`;
  const expand = expandItems(q.get('$expand'));
  const withAttributes = (e: EntityDef, item: Item) => {
    const a = expand.get('Attributes');
    return a
      ? {
          ...item,
          Attributes: attributesOf(e, custom, { select: a['$select'], filter: a['$filter'] }),
        }
      : item;
  };
  if (head[1] === undefined) {
    if (segs.length > 1) throw segmentNotFound(segs[1]!);
    const filter = metadataFilter(q.get('$filter'));
    const value = ENTITIES.map((e) => ({ e, m: entityMetadata(e) }))
      .filter(({ m }) => filter(m))
      .map(({ e, m }) =>
        withAttributes(e, selectProps(m, q.get('$select') ?? undefined, ['MetadataId'])),
      );
    return jsonResponse(200, { '@odata.context': context, value });
  }
  const byName = /^LogicalName='([^']*)'$/.exec(head[1]);
  const entity = ENTITIES.find((e) =>
    byName ? e.logicalName === byName[1] : metadataId(e.logicalName) === head[1]!.toLowerCase(),
  );
  if (!entity)
    throw new CrmError(
      404,
      CODES.objectDoesNotExist,
      `Could not find an entity with key ${head[1]}.`,
    );
  if (segs.length === 1) {
    const item = withAttributes(
      entity,
      selectProps(entityMetadata(entity), q.get('$select') ?? undefined, ['MetadataId']),
    );
    return jsonResponse(200, { '@odata.context': `${context}/$entity`, ...item });
  }
  const attr = /^Attributes(?:\((.*)\))?$/.exec(segs[1]!);
  if (!attr) throw segmentNotFound(segs[1]!);
  const castSeg = segs[attr[1] === undefined ? 2 : 3];
  const cast = castSeg ? CAST.exec(castSeg)?.[1] : undefined;
  if (castSeg && !cast) throw segmentNotFound(castSeg);
  if (segs.length > (attr[1] === undefined ? 3 : 4)) throw segmentNotFound(segs.at(-1)!);
  const optionSet = expand.has('OptionSet') || expand.has('GlobalOptionSet');
  const select = q.get('$select') ?? undefined;
  const base = `${context}('${entity.logicalName}')/Attributes${cast ? `/Microsoft.Dynamics.CRM.${cast}` : ''}`;
  if (attr[1] === undefined) {
    const value = attributesOf(entity, custom, {
      cast,
      select,
      filter: q.get('$filter'),
      optionSet,
    });
    return jsonResponse(200, { '@odata.context': base, value });
  }
  const all = attributesOf(entity, custom, { cast, optionSet });
  const attrName = /^LogicalName='([^']*)'$/.exec(attr[1]);
  const found = all.find((a) =>
    attrName ? a['LogicalName'] === attrName[1] : a['MetadataId'] === attr[1]!.toLowerCase(),
  );
  if (!found) throw segmentNotFound(`Attributes(${attr[1]})`);
  const item = selectProps(found, select, [
    'MetadataId',
    '@odata.type',
    ...(optionSet ? ['OptionSet'] : []),
  ]);
  return jsonResponse(200, { '@odata.context': `${base}/$entity`, ...item });
}
