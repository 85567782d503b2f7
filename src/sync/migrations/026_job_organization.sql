-- The Dynamics 365 organization each synchronization job ran against (docs/sync-engine.md, "Undo a
-- job" and "Connection address and organization"): a job's write history names records of that
-- organization, so after the connection moved to another one an undo would restore, delete or
-- re-create records by ids of the wrong organization. The undo refuses such a job
-- (job_of_other_organization) until the connection is back there. Filled from the connection when
-- the job starts (src/sync/engine/job-log.ts, src/sync/undo/undo-history.ts); null where no
-- organization was recorded yet.
ALTER TABLE integration.sync_jobs ADD COLUMN crm_organization_id uuid;

-- Jobs from before this column: those started before the last recorded move ran against the
-- organization it left, later ones against the current organization. Jobs before an earlier move
-- get the last move's origin too, which is wrong only towards refusing their undo, never towards
-- writing to the wrong organization.
UPDATE integration.sync_jobs j
   SET crm_organization_id = CASE
         WHEN c.crm_organization_move ? 'at' AND j.started_at < (c.crm_organization_move->>'at')::timestamptz
           THEN (c.crm_organization_move->>'from')::uuid
         ELSE c.crm_organization_id END
  FROM integration.connection c
 WHERE c.id = 1;

-- A move sets aside the recurring jobs' ERP cursors too (POSTEDSALESINV-INV's posted invoices seen,
-- CUSTOMER STATISTICS's activity and payments seen): they say how far ERP changes reached the old
-- organization, so the new one starts from the beginning and the old one's come back with it.
ALTER TABLE integration.organization_set_aside DROP CONSTRAINT organization_set_aside_kind_check;
ALTER TABLE integration.organization_set_aside ADD CONSTRAINT organization_set_aside_kind_check
  CHECK (kind IN ('couplings', 'option_couplings', 'conflicts', 'conflict_baselines', 'full_sync_lines',
                  'watermarks', 'crm_create_journal', 'recurring_job_states'));
