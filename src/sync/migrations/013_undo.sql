-- Undo a job (docs/sync-engine.md, "Undo a job"): an undo is a job of type 'Undo' linked to the job
-- it undid. Its write history records deleted records ('delete', their values in `before`, the
-- record they were coupled with in `coupled_id`) so that undoing the undo re-creates and re-couples
-- them; a record that could not be deleted is deactivated ('deactivate') and brought back by
-- 'reactivate'.
ALTER TABLE integration.write_history DROP CONSTRAINT write_history_action_check;
ALTER TABLE integration.write_history ADD CONSTRAINT write_history_action_check
  CHECK (action IN ('insert', 'modify', 'delete', 'deactivate', 'reactivate'));
-- A deleted record has no values after.
ALTER TABLE integration.write_history ALTER COLUMN after DROP NOT NULL;
ALTER TABLE integration.write_history ADD COLUMN coupled_id uuid;

ALTER TABLE integration.sync_jobs DROP CONSTRAINT sync_jobs_type_check;
ALTER TABLE integration.sync_jobs ADD CONSTRAINT sync_jobs_type_check
  CHECK (type IN ('Synchronization', 'Coupling', 'Uncoupling', 'Undo'));
ALTER TABLE integration.sync_jobs ADD COLUMN undo_of uuid REFERENCES integration.sync_jobs (id);
-- A job is undone once; an undo that failed as a whole does not count (its writes are in its own
-- history, and the job can be undone again).
CREATE UNIQUE INDEX sync_jobs_undo_of_idx ON integration.sync_jobs (undo_of)
  WHERE undo_of IS NOT NULL AND status <> 'failed';
