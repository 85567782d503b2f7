-- Tables of later parts whose rows belong to one Dynamics 365 organization (docs/sync-engine.md,
-- "Connection address and organization"), such as the lead-to-cash flows' pickups of CRM orders
-- and quotes (by CRM id). The integration does not import those parts, so a part's own migration
-- registers such a table of the integration schema here, and a move to another organization sets
-- its rows aside and restores them like the couplings (src/integration/organization-set-aside.ts):
-- whole rows as jsonb, the table emptied, put back when the connection returns.
-- Every kind of set-aside row is listed, the integration's own (`registered_by` 'sync', set aside
-- by their own code) and the registered tables, so the kind's foreign key replaces the fixed list.
-- `label` names a registered table's rows in the move's notice ("… 3 CRM order/quote pickup(s)").
CREATE TABLE integration.organization_set_aside_kinds (
  kind text PRIMARY KEY CHECK (kind ~ '^[a-z_][a-z0-9_]*$'),
  registered_by text NOT NULL,
  label text,
  CHECK (registered_by = 'sync' OR label IS NOT NULL)
);
INSERT INTO integration.organization_set_aside_kinds (kind, registered_by)
VALUES ('couplings', 'sync'), ('option_couplings', 'sync'), ('conflicts', 'sync'),
       ('conflict_baselines', 'sync'), ('full_sync_lines', 'sync'), ('watermarks', 'sync'),
       ('crm_create_journal', 'sync'), ('recurring_job_states', 'sync');

ALTER TABLE integration.organization_set_aside DROP CONSTRAINT organization_set_aside_kind_check;
ALTER TABLE integration.organization_set_aside ADD CONSTRAINT organization_set_aside_kind_fkey
  FOREIGN KEY (kind) REFERENCES integration.organization_set_aside_kinds (kind);
