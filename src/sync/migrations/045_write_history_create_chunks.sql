-- A synchronization's creates have no values in their write history (the record holds them and
-- an undo deletes it), yet a row each cost 21 µs of PostgreSQL's time in a full synchronization
-- (three index entries: the id, the job and the record), about a tenth of what the engine asks of
-- PostgreSQL per record (docs/sync-engine.md, "Measured", eleventh round). Such creates of a
-- chunk now share one row: `record_ids` instead of `record_id`, found by record through a GIN
-- index whose pending list takes a chunk's ids in one append. Readers see one row per record
-- through the view below, in write order (`id`, then `position`).
ALTER TABLE integration.write_history ADD COLUMN record_ids uuid[];
ALTER TABLE integration.write_history ALTER COLUMN record_id DROP NOT NULL;
ALTER TABLE integration.write_history ADD CONSTRAINT write_history_records_check CHECK (
  (record_id IS NOT NULL AND record_ids IS NULL)
  OR (record_id IS NULL AND cardinality(record_ids) > 0 AND action = 'insert'
      AND before IS NULL AND after IS NULL AND coupled_id IS NULL));
CREATE INDEX write_history_record_ids_idx ON integration.write_history USING gin (record_ids)
  WHERE record_ids IS NOT NULL;

CREATE VIEW integration.write_history_records AS
  SELECT w.id, r.position, w.job_id, w.mapping_name, w.side, r.record_id, w.action, w.before,
         w.after, w.coupled_id, w.created_at
    FROM integration.write_history w
   CROSS JOIN LATERAL unnest(coalesce(w.record_ids, ARRAY[w.record_id])) WITH ORDINALITY
         AS r(record_id, position);
