-- Full synchronization review (docs/full-synchronization.md): one line per mapping with its
-- recommendation, status and progress. Lines move only along full_sync_transitions.
CREATE TABLE integration.full_sync_lines (
  mapping_name text PRIMARY KEY REFERENCES integration.table_mappings (name) ON DELETE CASCADE ON UPDATE CASCADE,
  position integer NOT NULL,
  dependency_filter text NOT NULL DEFAULT '',
  direction text NOT NULL,
  recommendation text NOT NULL CHECK (recommendation IN ('FullSynchronization', 'CoupleRecords', 'NoRecords')),
  erp_count bigint,
  crm_count bigint,
  status text NOT NULL DEFAULT 'Pending'
    CHECK (status IN ('Pending', 'Queued', 'Running', 'Finished', 'Failed', 'NotNeeded')),
  message text,
  -- Progress of the running line: records done (of total when known) and the job counters so far.
  done bigint NOT NULL DEFAULT 0,
  total bigint,
  counters jsonb NOT NULL DEFAULT '{}',
  job_ids uuid[] NOT NULL DEFAULT '{}',
  attempts integer NOT NULL DEFAULT 0,
  queued_at timestamptz,
  started_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz
);

CREATE TABLE integration.full_sync_transitions (
  from_status text NOT NULL,
  to_status text NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
INSERT INTO integration.full_sync_transitions (from_status, to_status) VALUES
  ('Pending', 'Queued'),      -- its parents finished: handed to the workers
  ('Pending', 'NotNeeded'),   -- nothing to synchronize on either side
  ('Queued', 'Running'),      -- a worker took it
  ('Running', 'Finished'),
  ('Running', 'Failed'),
  ('Running', 'Queued'),      -- its worker stopped answering: handed out again, resumes
  ('Queued', 'Failed'),       -- could not be handed to a worker
  ('Failed', 'Pending'),      -- restart
  ('Finished', 'Pending'),    -- restart
  ('NotNeeded', 'Pending');   -- restart
