import type { DataverseClient } from '../../dataverse/index.ts';
import { failure, ok } from '../../shared/result.ts';
import { CRM_LOGICAL_NAME } from '../../sync/mappings/validate-mapping.ts';
import type { CrmPort } from '../../sync/ports.ts';

/**
 * The CRM port's reads and writes of table metadata (Dataverse's `EntityDefinitions`): a table's
 * columns, a choice column's options, a new option. Asked of the organization each time, so a
 * column or option added there since is known at once.
 */
export function crmMetadata(
  client: DataverseClient,
): Pick<CrmPort, 'columns' | 'optionSet' | 'addOption'> {
  return {
    async columns(entity) {
      // The name becomes part of a URL: only a logical name's shape may get there.
      if (!CRM_LOGICAL_NAME.test(entity))
        return failure('not_found', `'${entity}' is not a CRM table name`);
      const r = await client.get<{ value?: { LogicalName?: unknown }[] }>(
        `EntityDefinitions(LogicalName='${entity}')/Attributes`,
        { select: ['LogicalName'] },
      );
      if (!r.ok) return r;
      if (!Array.isArray(r.value.value))
        return failure('invalid_response', `The columns of ${entity} came without a list`);
      return ok(
        r.value.value.flatMap((a) => (typeof a.LogicalName === 'string' ? [a.LogicalName] : [])),
      );
    },
    async optionSet(entity, column) {
      const r = await client.get<{
        OptionSet?: {
          Options?: { Value: number; Label?: { UserLocalizedLabel?: { Label?: string } } }[];
        };
      }>(
        `EntityDefinitions(LogicalName='${entity}')/Attributes(LogicalName='${column}')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`,
        { select: ['LogicalName'], expand: { OptionSet: { select: ['Options'] } } },
      );
      if (!r.ok) return r;
      return ok(
        (r.value.OptionSet?.Options ?? []).map((o) => ({
          value: o.Value,
          label: o.Label?.UserLocalizedLabel?.Label ?? String(o.Value),
        })),
      );
    },
    async addOption(entity, column, label) {
      const r = await client.callAction<{ NewOptionValue?: number }>('InsertOptionValue', {
        EntityLogicalName: entity,
        AttributeLogicalName: column,
        Label: { LocalizedLabels: [{ Label: label, LanguageCode: 1033 }] },
      });
      if (!r.ok) return r;
      if (typeof r.value?.NewOptionValue !== 'number')
        return failure('invalid_response', 'InsertOptionValue answered without NewOptionValue');
      return ok(r.value.NewOptionValue);
    },
  };
}
