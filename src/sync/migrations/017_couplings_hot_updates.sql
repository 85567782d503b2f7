-- Marking a chunk of couplings synchronized was the engine's largest bookkeeping statement
-- (docs/sync-engine.md, "Measured", fourth round). An UPDATE that changes no indexed column and finds room on
-- the row's page is a HOT update: no index entry is written. The retry index's predicate read
-- last_result_to_crm/_erp, so every NULL → 'Success' made each update write all five indexes; the
-- predicate now reads one stored column whose value such an update leaves as it was. Pages are
-- filled to 45 % so that freshly inserted (pending) couplings have room for their next version.
ALTER TABLE integration.couplings
  ADD COLUMN needs_retry boolean NOT NULL GENERATED ALWAYS AS (
    NOT skipped AND (coalesce(last_result_to_erp = 'Failure', false) OR coalesce(last_result_to_crm = 'Failure', false))
  ) STORED;
DROP INDEX integration.couplings_retry_idx;
CREATE INDEX couplings_retry_idx ON integration.couplings (mapping_name) WHERE needs_retry;
ALTER TABLE integration.couplings SET (fillfactor = 45);
