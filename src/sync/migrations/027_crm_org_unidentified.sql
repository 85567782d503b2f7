-- A change of the connection's address whose organization could not be asked (the new address was
-- unreachable or refused the credentials) is saved, and the couplings and watermarks of the
-- organization reached before stay in use until a connection test identifies the one at the new
-- address (docs/sync-engine.md, "Connection address and organization"). Until then `kobling
-- status`, GET /status and the Connection page warn: {crmUrl, reason, at} of that save; cleared
-- whenever an organization is identified (src/integration/crm-organization.ts).
ALTER TABLE integration.connection ADD COLUMN crm_organization_unidentified jsonb;
