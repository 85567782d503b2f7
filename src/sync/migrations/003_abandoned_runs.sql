-- A run whose process died (killed, crashed machine) is marked 'abandoned' by the next process that
-- takes the mapping's lock or finds the lock free, instead of staying 'running' forever.
ALTER TABLE integration.sync_jobs DROP CONSTRAINT sync_jobs_status_check;
ALTER TABLE integration.sync_jobs ADD CONSTRAINT sync_jobs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'crashed', 'abandoned'));

-- Which side a pending coupling's create goes to: 'crm' (the CRM row is created with the chosen
-- crm_id) or 'erp' (the ERP row is created with the chosen erp_id). A run after a crash resolves it.
ALTER TABLE integration.couplings ADD COLUMN pending_side text NOT NULL DEFAULT 'crm'
  CHECK (pending_side IN ('crm', 'erp'));
