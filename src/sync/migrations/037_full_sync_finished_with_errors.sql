-- A full synchronization line whose passes ran to their end but with failed records ends
-- 'FinishedWithErrors' (docs/full-synchronization.md): done like 'Finished' — its children start,
-- as in BC, where such a line's job queue entry is Finished and only its direction's job status
-- says Error — yet told apart from a clean finish in the API, the CLI and the review page, and
-- restartable. A line whose pass itself failed stays 'Failed' and holds its children.
ALTER TABLE integration.full_sync_lines DROP CONSTRAINT full_sync_lines_status_check;
ALTER TABLE integration.full_sync_lines ADD CONSTRAINT full_sync_lines_status_check
  CHECK (status IN ('Pending', 'Queued', 'Running', 'Finished', 'FinishedWithErrors', 'Failed', 'NotNeeded'));
INSERT INTO integration.full_sync_transitions (from_status, to_status) VALUES
  ('Running', 'FinishedWithErrors'),
  ('FinishedWithErrors', 'Pending');   -- restart
