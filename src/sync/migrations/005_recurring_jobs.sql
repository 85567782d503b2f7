-- Recurring jobs that are not plain mapping runs: Business Central's codeunit jobs (customer
-- statistics, …) and mapping jobs a lead-to-cash flow runs itself (posted invoices create CRM
-- invoices). The scheduler queues `queue` when the job is due; the flow that owns the queue does the
-- work and records the outcome here. With `mapping_name` set, on/off, interval and inactivity
-- timeout are the mapping's (one place to edit them) and the engine's own scheduler leaves that
-- mapping alone.
CREATE TABLE integration.recurring_jobs (
  name text PRIMARY KEY,
  description text NOT NULL,
  queue text NOT NULL,
  mapping_name text UNIQUE,
  enabled boolean NOT NULL DEFAULT true,
  interval_minutes integer NOT NULL DEFAULT 30 CHECK (interval_minutes > 0),
  -- The longest a job sleeps after a run that found nothing to do; any change wakes it earlier.
  inactivity_timeout_minutes integer NOT NULL DEFAULT 30 CHECK (inactivity_timeout_minutes >= 0),
  -- ERP entity sets whose changes wake a sleeping job, and the change sequence it has seen.
  wake_sets text[] NOT NULL DEFAULT '{}',
  wake_seq bigint NOT NULL DEFAULT 0,
  last_run_at timestamptz,
  last_status text CHECK (last_status IN ('succeeded', 'failed', 'nothing to do')),
  last_message text,
  last_error text,
  next_run_at timestamptz,
  -- The job's own bookkeeping (watermarks), read and written only by the flow that owns it.
  state jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
