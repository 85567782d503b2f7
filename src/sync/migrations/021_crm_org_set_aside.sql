-- Moving the connection to another Dynamics 365 organization (docs/sync-engine.md, "Connection
-- address and organization"): couplings, option couplings, conflicts, full synchronization lines
-- and watermarks name records and change tokens of the organization they were made with. They
-- are set aside here, keyed by that organization, and put back when the connection reaches it
-- again; nothing is thrown away. A row is kept whole as jsonb, so a column added to one of those
-- tables later is set aside and restored without touching this table.
CREATE TABLE integration.organization_set_aside (
  organization_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN (
    'couplings', 'option_couplings', 'conflicts', 'conflict_baselines', 'full_sync_lines', 'watermarks')),
  row jsonb NOT NULL,
  set_aside_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_set_aside_org_idx ON integration.organization_set_aside (organization_id, kind);

-- What the last move to another organization did, in words and figures, so the Connection page
-- keeps saying it after the answer to the PATCH is gone.
ALTER TABLE integration.connection ADD COLUMN crm_organization_move jsonb;
