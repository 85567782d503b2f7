-- Exactly-once creates in the CRM without writing each coupling twice (docs/sync-engine.md,
-- "Exactly-once creates"). A chunk's creates used to be recorded as pending couplings before the
-- `$batch` and updated to coupled after it: two statements touching every created record, the
-- larger share of a full synchronization's bookkeeping. Now one row per chunk records the ids the
-- creates were sent with; after the `$batch` the couplings are inserted once, as synchronized, and
-- the row is deleted in the same transaction. A row left by a run killed or cut off in between is
-- settled by the next run of the mapping before anything else (src/sync/engine/pending-creates.ts):
-- the records that landed in the CRM are coupled, the others are created again.
CREATE TABLE integration.crm_create_journal (
  id uuid PRIMARY KEY,
  mapping_name text NOT NULL REFERENCES integration.table_mappings (name) ON DELETE CASCADE,
  job_id uuid NOT NULL,
  coupling_ids uuid[] NOT NULL,
  erp_ids uuid[] NOT NULL,
  crm_ids uuid[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (cardinality(coupling_ids) = cardinality(erp_ids) AND cardinality(erp_ids) = cardinality(crm_ids))
);
CREATE INDEX crm_create_journal_mapping_idx ON integration.crm_create_journal (mapping_name, created_at);
