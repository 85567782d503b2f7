-- A pass that writes to (or marks synchronized) a destination someone else changed since the last
-- synchronization leaves that change to the other pass, which would drop the row as the
-- integration's own echo: a change to a field flowing only the other way would be lost
-- (docs/sync-engine.md, "Reverse pass due"). reverse_due names the pass that must still compare
-- the record; that pass reads such couplings with its retry set and clears the mark when it
-- settles the record.
ALTER TABLE integration.couplings
  ADD COLUMN reverse_due text CHECK (reverse_due IN ('ToIntegrationTable', 'FromIntegrationTable'));
-- PostgreSQL cannot change a generated column's expression: the retry index and needs_retry go
-- and come back with the mark. An update that leaves needs_retry as it was (every ordinary
-- synchronization) stays a HOT update, as migration 017 made it.
DROP INDEX integration.couplings_retry_idx;
ALTER TABLE integration.couplings DROP COLUMN needs_retry;
ALTER TABLE integration.couplings
  ADD COLUMN needs_retry boolean NOT NULL GENERATED ALWAYS AS (
    NOT skipped AND (
      coalesce(last_result_to_erp = 'Failure', false)
      OR coalesce(last_result_to_crm = 'Failure', false)
      OR reverse_due IS NOT NULL
    )
  ) STORED;
CREATE INDEX couplings_retry_idx ON integration.couplings (mapping_name) WHERE needs_retry;
-- Rewriting the table keeps its reloptions; said again so the pages keep their room.
ALTER TABLE integration.couplings SET (fillfactor = 45);
