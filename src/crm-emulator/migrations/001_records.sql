-- The CRM emulator keeps every Dataverse table in one generic store: one row per record with its
-- columns in `data` (wire names: logical names, `_x_value` for lookups). The catalogue in
-- src/crm-emulator/catalogue describes the tables; this schema knows nothing about them.

-- Versions are Dataverse's `versionnumber`: one counter for every write in the org, so a delta
-- token is simply the highest version a reader has seen.
CREATE SEQUENCE crm.version_seq;

CREATE TABLE crm.records (
  entity text NOT NULL,
  id uuid NOT NULL,
  data jsonb NOT NULL,
  version_number bigint NOT NULL,
  created_on timestamptz NOT NULL,
  modified_on timestamptz NOT NULL,
  PRIMARY KEY (entity, id)
);
CREATE INDEX records_entity_version_idx ON crm.records (entity, version_number);

-- Tombstones for change tracking (`$deletedEntity` rows in delta responses).
CREATE TABLE crm.deleted_records (
  entity text NOT NULL,
  id uuid NOT NULL,
  version_number bigint NOT NULL,
  deleted_on timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deleted_records_entity_version_idx ON crm.deleted_records (entity, version_number);

-- Application users allowed to get tokens: only a hash of the secret is kept.
CREATE TABLE crm.app_clients (
  client_id text PRIMARY KEY,
  secret_hash text NOT NULL,
  name text NOT NULL,
  systemuser_id uuid NOT NULL,
  generated boolean NOT NULL DEFAULT false,
  created_on timestamptz NOT NULL DEFAULT now()
);

-- Auto-numbers (quotenumber, ordernumber, invoicenumber).
CREATE TABLE crm.counters (
  name text PRIMARY KEY,
  value bigint NOT NULL
);
