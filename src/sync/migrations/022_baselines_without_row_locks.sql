-- The conflict baselines of policy `ask` are written for every record a pass synchronizes, 100,000
-- at a time in a full synchronization. Their foreign key to the coupling made each insert check the
-- coupling and lock its row (FOR KEY SHARE, which rewrites the coupling's tuple header: one more
-- page dirtied and logged per record; docs/sync-engine.md, "Measured"). Every writer of a mapping's
-- couplings and baselines holds the mapping's lock (src/integration/mapping-lock.ts), so the check
-- guards nothing a pass can race with; what the cascade did — a removed coupling takes its
-- baseline along — a statement-level trigger does now.
ALTER TABLE integration.conflict_baselines DROP CONSTRAINT conflict_baselines_coupling_id_fkey;

CREATE FUNCTION integration.drop_conflict_baselines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM integration.conflict_baselines b USING gone g WHERE b.coupling_id = g.id;
  RETURN NULL;
END $$;

CREATE TRIGGER couplings_drop_conflict_baselines AFTER DELETE ON integration.couplings
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION integration.drop_conflict_baselines();

-- A move to another organization sets the create journal aside too (migration 020's table).
ALTER TABLE integration.organization_set_aside DROP CONSTRAINT organization_set_aside_kind_check;
ALTER TABLE integration.organization_set_aside ADD CONSTRAINT organization_set_aside_kind_check
  CHECK (kind IN ('couplings', 'option_couplings', 'conflicts', 'conflict_baselines', 'full_sync_lines',
                  'watermarks', 'crm_create_journal'));
