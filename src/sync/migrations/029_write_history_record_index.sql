-- The undo's dependents check (src/sync/undo/undo-dependents.ts) asks which job created each
-- record that refers to a record an undo would delete: by record id, not by job.
CREATE INDEX write_history_record_idx ON integration.write_history (record_id);
