-- A unit goes with its coupled unit group (LookupSpec.parent, src/sync/model.ts): ITEM UOM and
-- RESOURCE UOM create and couple a unit of an item or resource whose unit group is coupled, although
-- they synchronize only coupled records, so a base unit the item did not have reaches the CRM by
-- itself. Mappings stored before get the mark on their unit group lookup, as the defaults have it.
UPDATE integration.field_mappings
   SET lookup = lookup || '{"parent": true}'::jsonb
 WHERE mapping_name IN ('ITEM UOM', 'RESOURCE UOM')
   AND erp_field = 'unitGroupCode'
   AND lookup ->> 'mapping' = 'UNIT GROUP'
   AND NOT (lookup ? 'parent');
