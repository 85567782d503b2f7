-- CRM watermarks (delta links) were stored as absolute URLs, which tied each one to the address
-- it was read through: reaching the same organization under another URL (the emulator on another
-- port, a new host name) made every CRM→ERP pass fail on the old host. A delta token belongs to
-- the organization, so the links are kept relative to the Web API base from now on
-- (src/integration/adapters/crm-port.ts); this turns the stored ones relative.
UPDATE integration.table_mappings
   SET crm_watermark = regexp_replace(crm_watermark, '^https?://[^/]+/api/data/v[0-9.]+/', '', 'i')
 WHERE crm_watermark ~* '^https?://[^/]+/api/data/v[0-9.]+/';

-- The organization the connection last reached (WhoAmI's OrganizationId): the identity that
-- tells a new address of the same org (watermarks kept) from another org (watermarks cleared,
-- docs/sync-engine.md, "Connection address and organization").
ALTER TABLE integration.connection ADD COLUMN crm_organization_id uuid;
