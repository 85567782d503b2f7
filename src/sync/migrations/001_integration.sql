-- The sync engine's tables (schema `integration`). Names follow Business Central's concepts:
-- connection setup, integration table/field mappings, couplings (CRM integration records),
-- synch jobs with counters and per-record errors.

CREATE TABLE integration.connection (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  crm_url text,
  authority_url text,
  tenant_id text,
  client_id text,
  -- AES-256-GCM ciphertext (iv:tag:data, base64); the key comes from configuration, never the database.
  client_secret_enc text,
  enabled boolean NOT NULL DEFAULT false,
  sales_order_integration boolean NOT NULL DEFAULT true,
  auto_create_sales_orders boolean NOT NULL DEFAULT false,
  auto_process_quotes boolean NOT NULL DEFAULT false,
  unit_group_mapping boolean NOT NULL DEFAULT true,
  ownership_model text NOT NULL DEFAULT 'Person' CHECK (ownership_model IN ('Person', 'Team')),
  integration_user_id uuid,
  base_currency_id uuid,
  crm_version text,
  last_test jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE integration.table_mappings (
  name text PRIMARY KEY,
  erp_table text NOT NULL,
  crm_entity text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('Bidirectional', 'ToIntegrationTable', 'FromIntegrationTable')),
  -- Filters are lists of {field, op, value} conditions, evaluated by the engine on both sides.
  erp_filter jsonb NOT NULL DEFAULT '[]',
  crm_filter jsonb NOT NULL DEFAULT '[]',
  sync_only_coupled boolean NOT NULL DEFAULT true,
  update_conflict text NOT NULL DEFAULT 'None' CHECK (update_conflict IN ('None', 'SendUpdate', 'GetUpdate')),
  deletion_conflict text NOT NULL DEFAULT 'None' CHECK (deletion_conflict IN ('None', 'RestoreRecords', 'RemoveCoupling')),
  dependency_filter text NOT NULL DEFAULT '',
  is_option_mapping boolean NOT NULL DEFAULT false,
  sync_after_coupling boolean NOT NULL DEFAULT false,
  create_new_on_no_match boolean NOT NULL DEFAULT false,
  -- Watermarks: ERP change sequence and CRM delta link (or modifiedon) processed so far.
  erp_watermark bigint,
  crm_watermark text,
  job_enabled boolean NOT NULL DEFAULT true,
  job_interval_minutes integer NOT NULL DEFAULT 30 CHECK (job_interval_minutes > 0),
  inactivity_timeout_minutes integer NOT NULL DEFAULT 720 CHECK (inactivity_timeout_minutes >= 0),
  user_defined boolean NOT NULL DEFAULT false,
  position integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE integration.field_mappings (
  id bigserial PRIMARY KEY,
  mapping_name text NOT NULL REFERENCES integration.table_mappings (name) ON DELETE CASCADE ON UPDATE CASCADE,
  position integer NOT NULL,
  erp_field text,
  crm_field text,
  direction text NOT NULL CHECK (direction IN ('Bidirectional', 'ToIntegrationTable', 'FromIntegrationTable')),
  constant_value text,
  -- {mapping, erpKey} for lookups translated through the couplings of another mapping.
  lookup jsonb,
  transformation text,
  validate_field boolean NOT NULL DEFAULT true,
  validate_crm_field boolean NOT NULL DEFAULT false,
  clear_on_failed_sync boolean NOT NULL DEFAULT false,
  not_null boolean NOT NULL DEFAULT false,
  enabled boolean NOT NULL DEFAULT true,
  use_for_matching boolean NOT NULL DEFAULT false,
  case_sensitive_matching boolean NOT NULL DEFAULT false,
  match_priority integer NOT NULL DEFAULT 0,
  user_defined boolean NOT NULL DEFAULT false,
  CHECK (erp_field IS NOT NULL OR crm_field IS NOT NULL),
  CHECK (NOT (clear_on_failed_sync AND not_null)),
  UNIQUE (mapping_name, position)
);

CREATE TABLE integration.couplings (
  id uuid PRIMARY KEY,
  mapping_name text NOT NULL,
  erp_table text NOT NULL,
  erp_id uuid NOT NULL,
  crm_entity text NOT NULL,
  crm_id uuid NOT NULL,
  -- 'pending' while a CRM record created with this chosen GUID is not confirmed yet (exactly-once creates).
  state text NOT NULL DEFAULT 'coupled' CHECK (state IN ('pending', 'coupled')),
  last_synced_erp_seq bigint,
  last_synced_erp_modified_at timestamptz,
  last_synced_crm_version bigint,
  last_synced_crm_modified_on timestamptz,
  last_result_to_erp text CHECK (last_result_to_erp IN ('Success', 'Failure')),
  last_result_to_crm text CHECK (last_result_to_crm IN ('Success', 'Failure')),
  last_job_to_erp uuid,
  last_job_to_crm uuid,
  last_error_to_erp text,
  last_error_to_crm text,
  skipped boolean NOT NULL DEFAULT false,
  statistics_uploaded boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (erp_table, erp_id),
  UNIQUE (crm_entity, crm_id)
);
CREATE INDEX couplings_mapping_idx ON integration.couplings (mapping_name);
CREATE INDEX couplings_retry_idx ON integration.couplings (mapping_name)
  WHERE NOT skipped AND (last_result_to_erp = 'Failure' OR last_result_to_crm = 'Failure');

CREATE TABLE integration.option_couplings (
  mapping_name text NOT NULL,
  erp_id uuid NOT NULL,
  option_value integer NOT NULL,
  option_label text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mapping_name, erp_id),
  UNIQUE (mapping_name, option_value)
);

CREATE TABLE integration.sync_jobs (
  id uuid PRIMARY KEY,
  mapping_name text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('ToIntegrationTable', 'FromIntegrationTable')),
  type text NOT NULL DEFAULT 'Synchronization' CHECK (type IN ('Synchronization', 'Coupling', 'Uncoupling')),
  trigger text NOT NULL DEFAULT 'schedule',
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'crashed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  inserted integer NOT NULL DEFAULT 0,
  modified integer NOT NULL DEFAULT 0,
  unchanged integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  deleted integer NOT NULL DEFAULT 0,
  uncoupled integer NOT NULL DEFAULT 0,
  coupled integer NOT NULL DEFAULT 0,
  message text
);
CREATE INDEX sync_jobs_mapping_idx ON integration.sync_jobs (mapping_name, started_at DESC);

CREATE TABLE integration.sync_errors (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES integration.sync_jobs (id) ON DELETE CASCADE,
  mapping_name text NOT NULL,
  direction text NOT NULL,
  erp_table text NOT NULL,
  erp_id uuid,
  crm_entity text NOT NULL,
  crm_id uuid,
  message text NOT NULL,
  detail text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_errors_job_idx ON integration.sync_errors (job_id);
CREATE INDEX sync_errors_record_idx ON integration.sync_errors (erp_id);

-- Every value the engine writes (B5 history), per job, for audit and undo.
CREATE TABLE integration.write_history (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL,
  mapping_name text NOT NULL,
  side text NOT NULL CHECK (side IN ('erp', 'crm')),
  record_id uuid NOT NULL,
  action text NOT NULL CHECK (action IN ('insert', 'modify')),
  before jsonb,
  after jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX write_history_job_idx ON integration.write_history (job_id);
