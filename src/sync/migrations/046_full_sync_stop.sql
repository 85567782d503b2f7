-- A full synchronization line can be stopped (docs/full-synchronization.md, "Stopping a line"):
-- a pending or queued line at once, a running one by its worker between two chunks once asked
-- (stop_requested_at / stop_requested_by: who asked, read by the worker's stop watch). A stopped
-- line holds its children like a failed one, no longer holds the mapping's regular job, and a
-- restart continues it where it stopped (Stopped -> Pending keeps its progress and prepared_at).
-- stop_watermarks: the mapping's watermarks ({"erp", "crm"}) when a line that had begun stopped,
-- put back when it continues — a regular run in between (one that synchronizes only coupled
-- records) may have moved them past records the line has yet to create. Null: none kept.
ALTER TABLE integration.full_sync_lines DROP CONSTRAINT full_sync_lines_status_check;
ALTER TABLE integration.full_sync_lines ADD CONSTRAINT full_sync_lines_status_check
  CHECK (status IN ('Pending', 'Queued', 'Running', 'Finished', 'FinishedWithErrors', 'Failed', 'NotNeeded', 'Stopped'));
ALTER TABLE integration.full_sync_lines
  ADD COLUMN stop_requested_at timestamptz,
  ADD COLUMN stop_requested_by text,
  ADD COLUMN stop_watermarks jsonb;
INSERT INTO integration.full_sync_transitions (from_status, to_status) VALUES
  ('Pending', 'Stopped'),
  ('Queued', 'Stopped'),
  ('Running', 'Stopped'),    -- its worker ended the passes between chunks
  ('Stopped', 'Pending');    -- restart: continues where it stopped
