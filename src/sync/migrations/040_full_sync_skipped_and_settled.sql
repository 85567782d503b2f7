-- A full synchronization line also counts the mapping's records that are skipped after failing
-- (failed twice with the same message: no regular run retries them) when it ends; such records
-- make it end 'FinishedWithErrors' like records that failed (docs/full-synchronization.md). Null:
-- not counted (a line that has not finished since).
ALTER TABLE integration.full_sync_lines ADD COLUMN skipped_records integer;
-- A line that finished with failed records reads 'Finished' once none of them is open any more:
-- the mapping's regular run, `kobling sync`, or a retry of skipped records synchronized them
-- (src/integration/full-sync/settle-line.ts).
INSERT INTO integration.full_sync_transitions (from_status, to_status) VALUES
  ('FinishedWithErrors', 'Finished');
-- A mapping's skipped records are counted after every regular run (`kobling sync` says when some
-- are not retried) and listed by `kobling skipped`: found without reading its other couplings.
-- Ordinary synchronizations do not change the mark, so their updates stay HOT (migration 017).
CREATE INDEX couplings_skipped_idx ON integration.couplings (mapping_name) WHERE skipped;
