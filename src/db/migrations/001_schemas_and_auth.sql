-- The schemas of the parts: each part owns one and creates its tables in its own migrations.
CREATE SCHEMA IF NOT EXISTS app;          -- users, sessions, API tokens, system settings
CREATE SCHEMA IF NOT EXISTS erp;          -- the ERP core
CREATE SCHEMA IF NOT EXISTS integration;  -- mappings, couplings, sync jobs and errors
CREATE SCHEMA IF NOT EXISTS crm;          -- the CRM emulator's tables

CREATE TABLE app.users (
  id uuid PRIMARY KEY,
  username text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  role text NOT NULL CHECK (role IN ('admin', 'orderProcessor', 'readOnly')),
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON app.users (lower(username));

-- Only hashes of session ids and API tokens are stored: a database dump never yields a credential.
CREATE TABLE app.sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON app.sessions (user_id);

CREATE TABLE app.api_tokens (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON app.api_tokens (user_id);

-- Failed logins, per username and per client address, for rate limiting across processes.
CREATE TABLE app.login_failures (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  address text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON app.login_failures (lower(username), at);
CREATE INDEX login_failures_address_idx ON app.login_failures (address, at);

-- Small key/value settings the system keeps about itself (e.g. whether demo data was loaded).
CREATE TABLE app.settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
