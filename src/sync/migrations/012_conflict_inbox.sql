-- Conflict inbox (docs/sync-engine.md, "Update conflicts"): with the update-conflict policy `ask`
-- a bidirectional field changed on both sides is held back in an entry for a user to settle
-- instead of failing the record. Entries move only along conflict_transitions.
ALTER TABLE integration.table_mappings DROP CONSTRAINT table_mappings_update_conflict_check;
ALTER TABLE integration.table_mappings ADD CONSTRAINT table_mappings_update_conflict_check
  CHECK (update_conflict IN ('None', 'SendUpdate', 'GetUpdate', 'ask'));
-- How long an entry may stay open before it ages out into an ordinary failed record.
ALTER TABLE integration.table_mappings
  ADD COLUMN conflict_expiry_hours integer NOT NULL DEFAULT 168 CHECK (conflict_expiry_hours > 0);

CREATE TABLE integration.conflicts (
  id uuid PRIMARY KEY,
  mapping_name text NOT NULL REFERENCES integration.table_mappings (name) ON DELETE CASCADE ON UPDATE CASCADE,
  coupling_id uuid NOT NULL REFERENCES integration.couplings (id) ON DELETE CASCADE,
  erp_table text NOT NULL,
  erp_id uuid NOT NULL,
  crm_entity text NOT NULL,
  crm_id uuid NOT NULL,
  erp_field text NOT NULL,
  crm_field text NOT NULL,
  -- Each side's value as that side stores it, and the CRM's value as the ERP would store it
  -- (a lookup's code instead of its GUID), for display.
  erp_value jsonb,
  crm_value jsonb,
  crm_value_in_erp jsonb,
  erp_modified_by text,
  erp_modified_at timestamptz,
  crm_modified_by text,
  crm_modified_at timestamptz,
  state text NOT NULL DEFAULT 'open',
  resolution text CHECK (resolution IN ('erp', 'crm', 'value')),
  resolved_value jsonb,
  resolved_by text,
  resolved_at timestamptz,
  job_id uuid,
  detected_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One open entry per record and field pair: a later run updates it instead of adding another.
CREATE UNIQUE INDEX conflicts_open_idx ON integration.conflicts (coupling_id, erp_field, crm_field)
  WHERE state = 'open';
CREATE INDEX conflicts_mapping_idx ON integration.conflicts (mapping_name, state, detected_at);

CREATE TABLE integration.conflict_states (state text PRIMARY KEY);
INSERT INTO integration.conflict_states (state) VALUES ('open'), ('resolved'), ('aged_out');
ALTER TABLE integration.conflicts ADD CONSTRAINT conflicts_state_fk
  FOREIGN KEY (state) REFERENCES integration.conflict_states (state);

CREATE TABLE integration.conflict_transitions (
  from_state text NOT NULL REFERENCES integration.conflict_states (state),
  to_state text NOT NULL REFERENCES integration.conflict_states (state),
  PRIMARY KEY (from_state, to_state)
);
INSERT INTO integration.conflict_transitions (from_state, to_state) VALUES
  ('open', 'resolved'),   -- a user took a side or typed a value; both sides were written
  ('open', 'aged_out');   -- nobody settled it in time: the record became a failed one

-- The CRM values of a coupled record's bidirectional columns as both sides last agreed on them
-- (for mappings with policy `ask`): a field differs from it on the side that changed it, so only
-- a field changed on both sides is a conflict.
CREATE TABLE integration.conflict_baselines (
  coupling_id uuid PRIMARY KEY REFERENCES integration.couplings (id) ON DELETE CASCADE,
  crm_values jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
