import type { Queryable } from '../../db/db.ts';
import { entityByName } from '../catalogue/index.ts';
import type { ColumnDef } from '../catalogue/types.ts';
import { badRequest, segmentNotFound } from '../errors.ts';
import { jsonBody } from './crud.ts';
import { type ApiRequest, type ApiResponse, jsonResponse, type RequestContext } from './types.ts';

/** First value of options added at run time (Dataverse: the publisher's prefix × 10,000). */
export const CUSTOM_OPTION_BASE = 100_000_000;

const PATH =
  /^EntityDefinitions\(LogicalName='([a-z_0-9]+)'\)\/Attributes\(LogicalName='([a-z_0-9]+)'\)\/Microsoft\.Dynamics\.CRM\.PicklistAttributeMetadata$/;

const label = (text: string) => ({
  LocalizedLabels: [{ Label: text, LanguageCode: 1033 }],
  UserLocalizedLabel: { Label: text, LanguageCode: 1033 },
});

function picklist(entityName: string, attribute: string): ColumnDef {
  const entity = entityByName(entityName);
  const column = entity?.columns[attribute];
  if (!entity || !column) throw segmentNotFound(`${entityName}.${attribute}`);
  if (column.type !== 'picklist') throw badRequest(`The attribute ${attribute} is not a picklist.`);
  return column;
}

async function optionsOf(db: Queryable, entity: string, attribute: string, column: ColumnDef) {
  const custom = await db.query<{ value: number; label: string }>(
    'SELECT value, label FROM crm.custom_options WHERE entity = $1 AND attribute = $2 ORDER BY value',
    [entity, attribute],
  );
  return [...(column.options ?? []), ...custom.rows];
}

/**
 * `GET EntityDefinitions(LogicalName='x')/Attributes(LogicalName='y')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`
 * with the option set (`$expand=OptionSet`): the catalogue's values plus those added at run time.
 */
export async function optionMetadata(
  ctx: RequestContext,
  path: string,
): Promise<ApiResponse | undefined> {
  const m = PATH.exec(path);
  if (!m) return undefined;
  const [, entity, attribute] = m as unknown as [string, string, string];
  const column = picklist(entity, attribute);
  const options = await optionsOf(ctx.tx ?? ctx.db, entity, attribute, column);
  return jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#EntityDefinitions('${entity}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/$entity`,
    LogicalName: attribute,
    OptionSet: { Options: options.map((o) => ({ Value: o.value, Label: label(o.label) })) },
  });
}

/** `POST InsertOptionValue`: adds a value to a local option set; answers `{ NewOptionValue }`. */
export async function insertOptionValue(
  ctx: RequestContext,
  req: ApiRequest,
): Promise<ApiResponse> {
  const body = jsonBody(req) as {
    EntityLogicalName?: unknown;
    AttributeLogicalName?: unknown;
    Label?: { LocalizedLabels?: { Label?: unknown }[] };
  };
  const entity = String(body.EntityLogicalName ?? '');
  const attribute = String(body.AttributeLogicalName ?? '');
  const text = body.Label?.LocalizedLabels?.[0]?.Label;
  if (typeof text !== 'string' || text.trim() === '') throw badRequest('A label is required.');
  const column = picklist(entity, attribute);
  const db = ctx.tx ?? ctx.db;
  const existing = await optionsOf(db, entity, attribute, column);
  if (existing.some((o) => o.label.toLowerCase() === text.toLowerCase())) {
    throw badRequest(
      `An option with the label '${text}' already exists in ${entity}.${attribute}.`,
    );
  }
  const r = await db.query<{ value: number }>(
    `INSERT INTO crm.custom_options (entity, attribute, value, label)
     SELECT $1, $2, greatest(coalesce(max(value) + 1, $4), $4), $3 FROM crm.custom_options WHERE entity = $1 AND attribute = $2
     RETURNING value`,
    [entity, attribute, text, CUSTOM_OPTION_BASE],
  );
  return jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#Microsoft.Dynamics.CRM.InsertOptionValueResponse`,
    NewOptionValue: r.rows[0]!.value,
  });
}
