import { createHash } from 'node:crypto';
import { entityAttributes, entityMetadata } from '../catalogue/definitions.ts';
import { ENTITIES } from '../catalogue/index.ts';
import { badRequest } from '../errors.ts';
import { customOptions } from './entity-definitions.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

interface Condition {
  PropertyName?: string;
  ConditionOperator?: string;
  Value?: { Type?: string; Value?: unknown } | unknown;
}
interface Criteria {
  FilterOperator?: 'And' | 'Or';
  Conditions?: Condition[];
}
interface Properties {
  AllProperties?: boolean;
  PropertyNames?: string[];
}
/** EntityQueryExpression (the subset the emulator evaluates). */
interface EntityQuery {
  Criteria?: Criteria;
  Properties?: Properties;
  AttributeQuery?: { Criteria?: Criteria; Properties?: Properties };
}

const OPERATORS = ['Equals', 'NotEquals', 'In', 'NotIn'];

function matcher(criteria: Criteria | undefined): (item: Record<string, unknown>) => boolean {
  const conditions = (criteria?.Conditions ?? []).map((c) => {
    if (!c.PropertyName || !OPERATORS.includes(c.ConditionOperator ?? ''))
      throw badRequest(
        `The metadata condition ${c.PropertyName} ${c.ConditionOperator} is not supported by the emulator (Equals, NotEquals, In, NotIn).`,
      );
    const raw =
      c.Value && typeof c.Value === 'object' && 'Value' in c.Value ? c.Value.Value : c.Value;
    const values = Array.isArray(raw) ? raw : [raw];
    const negate = c.ConditionOperator!.startsWith('Not');
    return (item: Record<string, unknown>) => {
      let v = item[c.PropertyName!];
      if (v && typeof v === 'object' && 'Value' in v) v = (v as { Value: unknown }).Value;
      return values.some((x) => x === v) !== negate;
    };
  });
  const or = criteria?.FilterOperator === 'Or';
  return (item) =>
    conditions.length === 0 ||
    (or ? conditions.some((f) => f(item)) : conditions.every((f) => f(item)));
}

function picker(props: Properties | undefined, always: string[]) {
  if (!props || props.AllProperties || !props.PropertyNames)
    return (item: Record<string, unknown>) => item;
  const keep = new Set([...props.PropertyNames, ...always]);
  return (item: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
}

/** Reads a function parameter given inline (`Query=…`) or as an alias (`Query=@p1` + `?@p1=…`). */
function parameter(req: ApiRequest, name: string): string | undefined {
  const path = decodeURIComponent(req.url.pathname);
  const m = new RegExp(`[(,]\\s*${name}\\s*=\\s*(@\\w+|\\{.*\\}|'[^']*')\\s*[,)]`).exec(path);
  if (!m) return undefined;
  const v = m[1]!;
  return v.startsWith('@') ? (req.url.searchParams.get(v) ?? undefined) : v.replace(/^'|'$/g, '');
}

/**
 * `GET RetrieveMetadataChanges(Query=@q)`: tables and columns chosen by an EntityQueryExpression
 * (criteria with Equals/NotEquals/In/NotIn, property lists, an AttributeQuery), answered from the
 * same catalogue as `EntityDefinitions`. The version stamp changes when options are added at run
 * time; a client that sends the current stamp as `ClientVersionStamp` gets no entities back.
 */
export async function retrieveMetadataChanges(
  ctx: RequestContext,
  req: ApiRequest,
): Promise<ApiResponse> {
  const text = parameter(req, 'Query');
  if (!text) throw badRequest('RetrieveMetadataChanges needs the Query parameter.');
  let query: EntityQuery;
  try {
    query = JSON.parse(text) as EntityQuery;
  } catch {
    throw badRequest('The Query parameter is not a valid EntityQueryExpression.');
  }
  const custom = await customOptions(ctx.tx ?? ctx.db);
  const stamp = `${[...custom.values()].reduce((n, o) => n + o.length, 0)}!${createHash('sha1')
    .update(JSON.stringify(ENTITIES))
    .digest('hex')
    .slice(0, 12)}`;
  const client = parameter(req, 'ClientVersionStamp');
  const entityMatch = matcher(query.Criteria);
  const pickEntity = picker(query.Properties, ['MetadataId', '@odata.type']);
  const names = query.Properties?.PropertyNames;
  const withAttributes = query.Properties?.AllProperties || !names || names.includes('Attributes');
  const attributeMatch = matcher(query.AttributeQuery?.Criteria);
  const attrNames = query.AttributeQuery?.Properties?.PropertyNames;
  const pickAttribute = picker(query.AttributeQuery?.Properties, ['MetadataId', '@odata.type']);
  const optionSets = !attrNames || attrNames.includes('OptionSet');
  const EntityMetadata =
    client === stamp
      ? []
      : ENTITIES.map((e) => ({ e, m: entityMetadata(e) }))
          .filter(({ m }) => entityMatch(m))
          .map(({ e, m }) => ({
            ...pickEntity(m),
            ...(withAttributes
              ? {
                  Attributes: entityAttributes(
                    e,
                    (c) => custom.get(`${e.logicalName}.${c}`),
                    optionSets,
                  )
                    .filter(attributeMatch)
                    .map(pickAttribute),
                }
              : {}),
          }));
  return jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#Microsoft.Dynamics.CRM.RetrieveMetadataChangesResponse`,
    EntityMetadata,
    ServerVersionStamp: stamp,
    DeletedMetadata: { Keys: [], Values: [] },
  });
}
