-- The database schema after every migration, for reading: generated, do not edit.
-- Regenerate with `npm run schema:dump` after adding a migration (a test fails while stale).

-- ----------------------------------------------------------------------
-- Schema app
-- ----------------------------------------------------------------------

CREATE SCHEMA app;

CREATE TABLE app.api_tokens (
  id uuid NOT NULL,
  token_hash text NOT NULL,
  user_id uuid NOT NULL,
  name text DEFAULT ''::text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  expires_at timestamp with time zone,
  last_used_at timestamp with time zone,
  CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE
);

CREATE TABLE app.known_login_addresses (
  user_id uuid NOT NULL,
  address text NOT NULL,
  last_success_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT known_login_addresses_pkey PRIMARY KEY (user_id, address),
  CONSTRAINT known_login_addresses_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE
);

CREATE TABLE app.login_throttle (
  username_key text NOT NULL,
  address text NOT NULL,
  failures integer NOT NULL,
  blocked_until timestamp with time zone,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT login_throttle_pkey PRIMARY KEY (username_key, address)
);

CREATE TABLE app.sessions (
  id_hash text NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  CONSTRAINT sessions_pkey PRIMARY KEY (id_hash),
  CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE
);

CREATE TABLE app.settings (
  key text NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT settings_pkey PRIMARY KEY (key)
);

CREATE TABLE app.users (
  id uuid NOT NULL,
  username text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  role text NOT NULL,
  password_hash text NOT NULL,
  disabled boolean DEFAULT false NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_role_check CHECK (role = ANY (ARRAY['admin'::text, 'orderProcessor'::text, 'readOnly'::text]))
);

CREATE INDEX api_tokens_user_idx ON app.api_tokens USING btree (user_id);

CREATE INDEX sessions_user_idx ON app.sessions USING btree (user_id);

CREATE UNIQUE INDEX users_username_key ON app.users USING btree (lower(username));

-- ----------------------------------------------------------------------
-- Schema crm
-- ----------------------------------------------------------------------

CREATE SCHEMA crm;

CREATE SEQUENCE crm.version_seq AS bigint START 1 INCREMENT 1;

CREATE TABLE crm.app_clients (
  client_id text NOT NULL,
  secret_hash text NOT NULL,
  name text NOT NULL,
  systemuser_id uuid NOT NULL,
  generated boolean DEFAULT false NOT NULL,
  created_on timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT app_clients_pkey PRIMARY KEY (client_id)
);

CREATE TABLE crm.counters (
  name text NOT NULL,
  value bigint NOT NULL,
  CONSTRAINT counters_pkey PRIMARY KEY (name)
);

CREATE TABLE crm.custom_options (
  entity text NOT NULL,
  attribute text NOT NULL,
  value integer NOT NULL,
  label text NOT NULL,
  created_on timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT custom_options_pkey PRIMARY KEY (entity, attribute, value),
  CONSTRAINT custom_options_entity_attribute_label_key UNIQUE (entity, attribute, label),
  CONSTRAINT custom_options_value_check CHECK (value >= 100000000)
);

CREATE TABLE crm.deleted_records (
  entity text NOT NULL,
  id uuid NOT NULL,
  version_number bigint NOT NULL,
  deleted_on timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE crm.records (
  entity text NOT NULL,
  id uuid NOT NULL,
  data jsonb NOT NULL,
  version_number bigint NOT NULL,
  created_on timestamp with time zone NOT NULL,
  modified_on timestamp with time zone NOT NULL,
  CONSTRAINT records_pkey PRIMARY KEY (entity, id)
);

CREATE INDEX deleted_records_entity_version_idx ON crm.deleted_records USING btree (entity, version_number);

CREATE INDEX records_entity_modified_idx ON crm.records USING btree (entity, modified_on);

CREATE INDEX records_entity_version_idx ON crm.records USING btree (entity, version_number);

CREATE INDEX records_parent_document_idx ON crm.records USING btree (entity, COALESCE((data ->> '_quoteid_value'::text), (data ->> '_salesorderid_value'::text), (data ->> '_invoiceid_value'::text))) WHERE (entity = ANY (ARRAY['quotedetail'::text, 'salesorderdetail'::text, 'invoicedetail'::text]));

-- ----------------------------------------------------------------------
-- Schema erp
-- ----------------------------------------------------------------------

CREATE SCHEMA erp;

CREATE SEQUENCE erp.change_seq AS bigint START 1 INCREMENT 1;

CREATE TABLE erp.companies (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  name text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT companies_pkey PRIMARY KEY (id),
  CONSTRAINT companies_name_key UNIQUE (name)
);

CREATE TABLE erp.contacts (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  type text DEFAULT 'Person'::text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  first_name text DEFAULT ''::text NOT NULL,
  middle_name text DEFAULT ''::text NOT NULL,
  surname text DEFAULT ''::text NOT NULL,
  job_title text DEFAULT ''::text NOT NULL,
  company_number text,
  customer_number text,
  address_line1 text DEFAULT ''::text NOT NULL,
  address_line2 text DEFAULT ''::text NOT NULL,
  city text DEFAULT ''::text NOT NULL,
  state text DEFAULT ''::text NOT NULL,
  country text DEFAULT ''::text NOT NULL,
  postal_code text DEFAULT ''::text NOT NULL,
  phone_number text DEFAULT ''::text NOT NULL,
  mobile_phone_number text DEFAULT ''::text NOT NULL,
  fax_number text DEFAULT ''::text NOT NULL,
  pager text DEFAULT ''::text NOT NULL,
  email text DEFAULT ''::text NOT NULL,
  website text DEFAULT ''::text NOT NULL,
  salesperson_code text,
  currency_code text,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT contacts_pkey PRIMARY KEY (id),
  CONSTRAINT contacts_number_key UNIQUE (number),
  CONSTRAINT contacts_number_check CHECK (number <> ''::text),
  CONSTRAINT contacts_type_check CHECK (type = ANY (ARRAY['Company'::text, 'Person'::text])),
  CONSTRAINT contacts_company_number_fkey FOREIGN KEY (company_number) REFERENCES erp.contacts(number) ON UPDATE CASCADE,
  CONSTRAINT contacts_currency_code_fkey FOREIGN KEY (currency_code) REFERENCES erp.currencies(code) ON UPDATE CASCADE,
  CONSTRAINT contacts_customer_number_fkey FOREIGN KEY (customer_number) REFERENCES erp.customers(number) ON UPDATE CASCADE ON DELETE SET NULL,
  CONSTRAINT contacts_salesperson_code_fkey FOREIGN KEY (salesperson_code) REFERENCES erp.salespeople(code) ON UPDATE CASCADE
);

CREATE TABLE erp.currencies (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  symbol text DEFAULT ''::text NOT NULL,
  amount_decimal_places integer DEFAULT 2 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT currencies_pkey PRIMARY KEY (id),
  CONSTRAINT currencies_code_key UNIQUE (code),
  CONSTRAINT currencies_amount_decimal_places_check CHECK (amount_decimal_places >= 0 AND amount_decimal_places <= 5),
  CONSTRAINT currencies_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.currency_exchange_rates (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  currency_code text NOT NULL,
  starting_date date NOT NULL,
  exchange_rate_amount numeric(38,10) DEFAULT 1 NOT NULL,
  relational_exchange_rate_amount numeric(38,10) NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT currency_exchange_rates_pkey PRIMARY KEY (id),
  CONSTRAINT currency_exchange_rates_currency_code_starting_date_key UNIQUE (currency_code, starting_date),
  CONSTRAINT currency_exchange_rates_exchange_rate_amount_check CHECK (exchange_rate_amount > 0::numeric),
  CONSTRAINT currency_exchange_rates_relational_exchange_rate_amount_check CHECK (relational_exchange_rate_amount > 0::numeric),
  CONSTRAINT currency_exchange_rates_currency_code_fkey FOREIGN KEY (currency_code) REFERENCES erp.currencies(code) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE erp.customer_ledger_entries (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  entry_number bigint DEFAULT nextval('erp.customer_ledger_entries_entry_number_seq'::regclass) NOT NULL,
  customer_number text NOT NULL,
  posting_date date NOT NULL,
  document_type text NOT NULL,
  document_number text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  external_document_number text DEFAULT ''::text NOT NULL,
  currency_code text,
  amount numeric(38,2) NOT NULL,
  amount_lcy numeric(38,2) NOT NULL,
  sales_lcy numeric(38,2) DEFAULT 0 NOT NULL,
  remaining_amount numeric(38,2) NOT NULL,
  remaining_amount_lcy numeric(38,2) NOT NULL,
  due_date date NOT NULL,
  open boolean DEFAULT true NOT NULL,
  closed_at_date date,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT customer_ledger_entries_pkey PRIMARY KEY (id),
  CONSTRAINT customer_ledger_entries_entry_number_key UNIQUE (entry_number),
  CONSTRAINT customer_ledger_entries_document_type_check CHECK (document_type = ANY (ARRAY['Invoice'::text, 'Payment'::text, 'Credit Memo'::text])),
  CONSTRAINT customer_ledger_entries_customer_number_fkey FOREIGN KEY (customer_number) REFERENCES erp.customers(number) ON UPDATE CASCADE
);

CREATE TABLE erp.customer_price_groups (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  allow_invoice_discount boolean DEFAULT true NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT customer_price_groups_pkey PRIMARY KEY (id),
  CONSTRAINT customer_price_groups_code_key UNIQUE (code),
  CONSTRAINT customer_price_groups_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.customers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  address_line1 text DEFAULT ''::text NOT NULL,
  address_line2 text DEFAULT ''::text NOT NULL,
  city text DEFAULT ''::text NOT NULL,
  state text DEFAULT ''::text NOT NULL,
  country text DEFAULT ''::text NOT NULL,
  postal_code text DEFAULT ''::text NOT NULL,
  phone_number text DEFAULT ''::text NOT NULL,
  fax_number text DEFAULT ''::text NOT NULL,
  email text DEFAULT ''::text NOT NULL,
  website text DEFAULT ''::text NOT NULL,
  contact_name text DEFAULT ''::text NOT NULL,
  primary_contact_number text,
  salesperson_code text,
  currency_code text,
  payment_terms_code text,
  shipment_method_code text,
  shipping_agent_code text,
  customer_price_group_code text,
  credit_limit numeric(38,2) DEFAULT 0 NOT NULL,
  blocked text DEFAULT ' '::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT customers_pkey PRIMARY KEY (id),
  CONSTRAINT customers_number_key UNIQUE (number),
  CONSTRAINT customers_blocked_check CHECK (blocked = ANY (ARRAY[' '::text, 'Ship'::text, 'Invoice'::text, 'All'::text])),
  CONSTRAINT customers_credit_limit_check CHECK (credit_limit >= 0::numeric),
  CONSTRAINT customers_number_check CHECK (number <> ''::text),
  CONSTRAINT customers_currency_code_fkey FOREIGN KEY (currency_code) REFERENCES erp.currencies(code) ON UPDATE CASCADE,
  CONSTRAINT customers_customer_price_group_code_fkey FOREIGN KEY (customer_price_group_code) REFERENCES erp.customer_price_groups(code) ON UPDATE CASCADE,
  CONSTRAINT customers_payment_terms_code_fkey FOREIGN KEY (payment_terms_code) REFERENCES erp.payment_terms(code) ON UPDATE CASCADE,
  CONSTRAINT customers_salesperson_code_fkey FOREIGN KEY (salesperson_code) REFERENCES erp.salespeople(code) ON UPDATE CASCADE,
  CONSTRAINT customers_shipment_method_code_fkey FOREIGN KEY (shipment_method_code) REFERENCES erp.shipment_methods(code) ON UPDATE CASCADE,
  CONSTRAINT customers_shipping_agent_code_fkey FOREIGN KEY (shipping_agent_code) REFERENCES erp.shipping_agents(code) ON UPDATE CASCADE
);

CREATE TABLE erp.deletions (
  id bigint DEFAULT nextval('erp.deletions_id_seq'::regclass) NOT NULL,
  table_name text NOT NULL,
  record_id uuid NOT NULL,
  change_seq bigint NOT NULL,
  deleted_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
  deleted_by text NOT NULL,
  change_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
  CONSTRAINT deletions_pkey PRIMARY KEY (id)
);

CREATE TABLE erp.general_setup (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  singleton boolean DEFAULT true NOT NULL,
  local_currency_code text DEFAULT 'EUR'::text NOT NULL,
  local_currency_symbol text DEFAULT '€'::text NOT NULL,
  amount_decimal_places integer DEFAULT 2 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT general_setup_pkey PRIMARY KEY (id),
  CONSTRAINT general_setup_singleton_key UNIQUE (singleton),
  CONSTRAINT general_setup_singleton_check CHECK (singleton)
);

CREATE TABLE erp.item_ledger_entries (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  entry_number bigint DEFAULT nextval('erp.item_ledger_entries_entry_number_seq'::regclass) NOT NULL,
  item_number text NOT NULL,
  posting_date date NOT NULL,
  entry_type text NOT NULL,
  document_number text DEFAULT ''::text NOT NULL,
  quantity numeric(38,5) NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT item_ledger_entries_pkey PRIMARY KEY (id),
  CONSTRAINT item_ledger_entries_entry_number_key UNIQUE (entry_number),
  CONSTRAINT item_ledger_entries_entry_type_check CHECK (entry_type = ANY (ARRAY['Sale'::text, 'Positive Adjmt.'::text, 'Negative Adjmt.'::text])),
  CONSTRAINT item_ledger_entries_item_number_fkey FOREIGN KEY (item_number) REFERENCES erp.items(number) ON UPDATE CASCADE
);

CREATE TABLE erp.item_units_of_measure (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  item_number text NOT NULL,
  code text NOT NULL,
  qty_per_unit_of_measure numeric(38,5) DEFAULT 1 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT item_units_of_measure_pkey PRIMARY KEY (id),
  CONSTRAINT item_units_of_measure_item_number_code_key UNIQUE (item_number, code),
  CONSTRAINT item_units_of_measure_qty_per_unit_of_measure_check CHECK (qty_per_unit_of_measure > 0::numeric),
  CONSTRAINT item_units_of_measure_code_fkey FOREIGN KEY (code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE,
  CONSTRAINT item_units_of_measure_item_number_fkey FOREIGN KEY (item_number) REFERENCES erp.items(number) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE erp.items (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  type text DEFAULT 'Inventory'::text NOT NULL,
  base_unit_of_measure_code text,
  unit_price numeric(38,5) DEFAULT 0 NOT NULL,
  unit_cost numeric(38,5) DEFAULT 0 NOT NULL,
  price_includes_tax boolean DEFAULT false NOT NULL,
  inventory numeric(38,5) DEFAULT 0 NOT NULL,
  vendor_number text DEFAULT ''::text NOT NULL,
  vendor_item_number text DEFAULT ''::text NOT NULL,
  gtin text DEFAULT ''::text NOT NULL,
  unit_volume numeric(38,5) DEFAULT 0 NOT NULL,
  gross_weight numeric(38,5) DEFAULT 0 NOT NULL,
  tax_group_code text,
  blocked boolean DEFAULT false NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT items_pkey PRIMARY KEY (id),
  CONSTRAINT items_number_key UNIQUE (number),
  CONSTRAINT items_number_check CHECK (number <> ''::text),
  CONSTRAINT items_type_check CHECK (type = ANY (ARRAY['Inventory'::text, 'Service'::text, 'Non-Inventory'::text])),
  CONSTRAINT items_unit_cost_check CHECK (unit_cost >= 0::numeric),
  CONSTRAINT items_unit_price_check CHECK (unit_price >= 0::numeric),
  CONSTRAINT items_base_unit_of_measure_code_fkey FOREIGN KEY (base_unit_of_measure_code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE,
  CONSTRAINT items_tax_group_code_fkey FOREIGN KEY (tax_group_code) REFERENCES erp.vat_posting_groups(code) ON UPDATE CASCADE
);

CREATE TABLE erp.number_series (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  prefix text DEFAULT ''::text NOT NULL,
  digits integer DEFAULT 5 NOT NULL,
  last_number bigint DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT number_series_pkey PRIMARY KEY (id),
  CONSTRAINT number_series_code_key UNIQUE (code),
  CONSTRAINT number_series_digits_check CHECK (digits >= 1 AND digits <= 18),
  CONSTRAINT number_series_last_number_check CHECK (last_number >= 0)
);

CREATE TABLE erp.outbox (
  id bigint DEFAULT nextval('erp.outbox_id_seq'::regclass) NOT NULL,
  event_type text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id uuid NOT NULL,
  payload jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
  processed_at timestamp with time zone,
  CONSTRAINT outbox_pkey PRIMARY KEY (id)
);

CREATE TABLE erp.payment_applications (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  payment_entry_id uuid NOT NULL,
  invoice_entry_id uuid NOT NULL,
  amount numeric(38,2) NOT NULL,
  amount_lcy numeric(38,2) NOT NULL,
  posting_date date NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  unapplied_at date,
  CONSTRAINT payment_applications_pkey PRIMARY KEY (id),
  CONSTRAINT payment_applications_invoice_entry_id_fkey FOREIGN KEY (invoice_entry_id) REFERENCES erp.customer_ledger_entries(id),
  CONSTRAINT payment_applications_payment_entry_id_fkey FOREIGN KEY (payment_entry_id) REFERENCES erp.customer_ledger_entries(id)
);

CREATE TABLE erp.payment_terms (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  due_date_calculation text DEFAULT '0D'::text NOT NULL,
  discount_date_calculation text DEFAULT ''::text NOT NULL,
  discount_percent numeric(9,4) DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT payment_terms_pkey PRIMARY KEY (id),
  CONSTRAINT payment_terms_code_key UNIQUE (code),
  CONSTRAINT payment_terms_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.resource_units_of_measure (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  resource_number text NOT NULL,
  code text NOT NULL,
  qty_per_unit_of_measure numeric(38,5) DEFAULT 1 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT resource_units_of_measure_pkey PRIMARY KEY (id),
  CONSTRAINT resource_units_of_measure_resource_number_code_key UNIQUE (resource_number, code),
  CONSTRAINT resource_units_of_measure_qty_per_unit_of_measure_check CHECK (qty_per_unit_of_measure > 0::numeric),
  CONSTRAINT resource_units_of_measure_code_fkey FOREIGN KEY (code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE,
  CONSTRAINT resource_units_of_measure_resource_number_fkey FOREIGN KEY (resource_number) REFERENCES erp.resources(number) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE erp.resources (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  type text DEFAULT 'Person'::text NOT NULL,
  base_unit_of_measure_code text,
  unit_price numeric(38,5) DEFAULT 0 NOT NULL,
  unit_cost numeric(38,5) DEFAULT 0 NOT NULL,
  capacity numeric(38,5) DEFAULT 0 NOT NULL,
  vendor_number text DEFAULT ''::text NOT NULL,
  tax_group_code text,
  blocked boolean DEFAULT false NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT resources_pkey PRIMARY KEY (id),
  CONSTRAINT resources_number_key UNIQUE (number),
  CONSTRAINT resources_number_check CHECK (number <> ''::text),
  CONSTRAINT resources_type_check CHECK (type = ANY (ARRAY['Person'::text, 'Machine'::text])),
  CONSTRAINT resources_unit_cost_check CHECK (unit_cost >= 0::numeric),
  CONSTRAINT resources_unit_price_check CHECK (unit_price >= 0::numeric),
  CONSTRAINT resources_base_unit_of_measure_code_fkey FOREIGN KEY (base_unit_of_measure_code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE,
  CONSTRAINT resources_tax_group_code_fkey FOREIGN KEY (tax_group_code) REFERENCES erp.vat_posting_groups(code) ON UPDATE CASCADE
);

CREATE TABLE erp.sales_cr_memo_headers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  customer_number text NOT NULL,
  customer_name text DEFAULT ''::text NOT NULL,
  bill_to_customer_number text NOT NULL,
  bill_to_name text DEFAULT ''::text NOT NULL,
  bill_to_address_line1 text DEFAULT ''::text NOT NULL,
  bill_to_address_line2 text DEFAULT ''::text NOT NULL,
  bill_to_city text DEFAULT ''::text NOT NULL,
  bill_to_state text DEFAULT ''::text NOT NULL,
  bill_to_country text DEFAULT ''::text NOT NULL,
  bill_to_postal_code text DEFAULT ''::text NOT NULL,
  ship_to_name text DEFAULT ''::text NOT NULL,
  ship_to_contact text DEFAULT ''::text NOT NULL,
  ship_to_address_line1 text DEFAULT ''::text NOT NULL,
  ship_to_address_line2 text DEFAULT ''::text NOT NULL,
  ship_to_city text DEFAULT ''::text NOT NULL,
  ship_to_state text DEFAULT ''::text NOT NULL,
  ship_to_country text DEFAULT ''::text NOT NULL,
  ship_to_postal_code text DEFAULT ''::text NOT NULL,
  posting_date date NOT NULL,
  document_date date NOT NULL,
  due_date date NOT NULL,
  currency_code text,
  currency_factor numeric(38,15) DEFAULT 1 NOT NULL,
  payment_terms_code text,
  shipment_method_code text,
  shipping_agent_code text,
  salesperson_code text,
  external_document_number text DEFAULT ''::text NOT NULL,
  your_reference text DEFAULT ''::text NOT NULL,
  work_description text DEFAULT ''::text NOT NULL,
  invoice_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  total_amount_excluding_tax numeric(38,2) NOT NULL,
  total_tax_amount numeric(38,2) NOT NULL,
  total_amount_including_tax numeric(38,2) NOT NULL,
  remaining_amount numeric(38,2) NOT NULL,
  status text DEFAULT 'Open'::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  applies_to_invoice_number text,
  sell_to_address_line1 text DEFAULT ''::text NOT NULL,
  sell_to_address_line2 text DEFAULT ''::text NOT NULL,
  sell_to_city text DEFAULT ''::text NOT NULL,
  sell_to_state text DEFAULT ''::text NOT NULL,
  sell_to_country text DEFAULT ''::text NOT NULL,
  sell_to_postal_code text DEFAULT ''::text NOT NULL,
  sell_to_phone_number text DEFAULT ''::text NOT NULL,
  sell_to_email text DEFAULT ''::text NOT NULL,
  CONSTRAINT sales_cr_memo_headers_pkey PRIMARY KEY (id),
  CONSTRAINT sales_cr_memo_headers_number_key UNIQUE (number),
  CONSTRAINT sales_invoice_headers_status_check CHECK (status = ANY (ARRAY['Open'::text, 'Paid'::text]))
);

CREATE TABLE erp.sales_cr_memo_lines (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_id uuid NOT NULL,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text DEFAULT ''::text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  attached_to_line_number integer,
  unit_of_measure_code text,
  quantity numeric(38,5) DEFAULT 0 NOT NULL,
  unit_price numeric(38,5) DEFAULT 0 NOT NULL,
  line_discount_percent numeric(9,4) DEFAULT 0 NOT NULL,
  line_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  inv_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  tax_percent numeric(9,4) DEFAULT 0 NOT NULL,
  amount numeric(38,2) DEFAULT 0 NOT NULL,
  amount_including_tax numeric(38,2) DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_cr_memo_lines_pkey PRIMARY KEY (id),
  CONSTRAINT sales_cr_memo_lines_document_id_fkey FOREIGN KEY (document_id) REFERENCES erp.sales_cr_memo_headers(id) ON DELETE CASCADE
);

CREATE TABLE erp.sales_header_archives (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_type text NOT NULL,
  document_id uuid NOT NULL,
  number text NOT NULL,
  version_number integer NOT NULL,
  customer_number text NOT NULL,
  archived_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
  archived_by text DEFAULT 'user'::text NOT NULL,
  header jsonb NOT NULL,
  lines jsonb NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_header_archives_pkey PRIMARY KEY (id),
  CONSTRAINT sales_header_archives_document_type_number_version_number_key UNIQUE (document_type, number, version_number),
  CONSTRAINT sales_header_archives_document_type_check CHECK (document_type = ANY (ARRAY['Quote'::text, 'Order'::text]))
);

CREATE TABLE erp.sales_headers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_type text NOT NULL,
  number text NOT NULL,
  status text DEFAULT 'Open'::text NOT NULL,
  customer_number text NOT NULL,
  customer_name text DEFAULT ''::text NOT NULL,
  bill_to_customer_number text NOT NULL,
  bill_to_name text DEFAULT ''::text NOT NULL,
  bill_to_address_line1 text DEFAULT ''::text NOT NULL,
  bill_to_address_line2 text DEFAULT ''::text NOT NULL,
  bill_to_city text DEFAULT ''::text NOT NULL,
  bill_to_state text DEFAULT ''::text NOT NULL,
  bill_to_country text DEFAULT ''::text NOT NULL,
  bill_to_postal_code text DEFAULT ''::text NOT NULL,
  ship_to_name text DEFAULT ''::text NOT NULL,
  ship_to_contact text DEFAULT ''::text NOT NULL,
  ship_to_address_line1 text DEFAULT ''::text NOT NULL,
  ship_to_address_line2 text DEFAULT ''::text NOT NULL,
  ship_to_city text DEFAULT ''::text NOT NULL,
  ship_to_state text DEFAULT ''::text NOT NULL,
  ship_to_country text DEFAULT ''::text NOT NULL,
  ship_to_postal_code text DEFAULT ''::text NOT NULL,
  document_date date DEFAULT CURRENT_DATE NOT NULL,
  posting_date date DEFAULT CURRENT_DATE NOT NULL,
  quote_valid_until_date date,
  requested_delivery_date date,
  last_shipment_date date,
  currency_code text,
  currency_factor numeric(38,15) DEFAULT 1 NOT NULL,
  payment_terms_code text,
  shipment_method_code text,
  shipping_agent_code text,
  salesperson_code text,
  customer_price_group_code text,
  external_document_number text DEFAULT ''::text NOT NULL,
  your_reference text DEFAULT ''::text NOT NULL,
  quote_number text DEFAULT ''::text NOT NULL,
  work_description text DEFAULT ''::text NOT NULL,
  payment_discount_percent numeric(9,4) DEFAULT 0 NOT NULL,
  invoice_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  total_amount_excluding_tax numeric(38,2) DEFAULT 0 NOT NULL,
  total_tax_amount numeric(38,2) DEFAULT 0 NOT NULL,
  total_amount_including_tax numeric(38,2) DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  applies_to_invoice_number text,
  due_date date,
  sell_to_address_line1 text DEFAULT ''::text NOT NULL,
  sell_to_address_line2 text DEFAULT ''::text NOT NULL,
  sell_to_city text DEFAULT ''::text NOT NULL,
  sell_to_state text DEFAULT ''::text NOT NULL,
  sell_to_country text DEFAULT ''::text NOT NULL,
  sell_to_postal_code text DEFAULT ''::text NOT NULL,
  sell_to_phone_number text DEFAULT ''::text NOT NULL,
  sell_to_email text DEFAULT ''::text NOT NULL,
  CONSTRAINT sales_headers_pkey PRIMARY KEY (id),
  CONSTRAINT sales_headers_document_type_number_key UNIQUE (document_type, number),
  CONSTRAINT sales_headers_currency_factor_check CHECK (currency_factor > 0::numeric),
  CONSTRAINT sales_headers_document_type_check CHECK (document_type = ANY (ARRAY['Quote'::text, 'Order'::text, 'Invoice'::text, 'Credit Memo'::text])),
  CONSTRAINT sales_headers_invoice_discount_amount_check CHECK (invoice_discount_amount >= 0::numeric),
  CONSTRAINT sales_headers_status_check CHECK (status = ANY (ARRAY['Open'::text, 'Released'::text])),
  CONSTRAINT sales_headers_bill_to_customer_number_fkey FOREIGN KEY (bill_to_customer_number) REFERENCES erp.customers(number) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_currency_code_fkey FOREIGN KEY (currency_code) REFERENCES erp.currencies(code) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_customer_number_fkey FOREIGN KEY (customer_number) REFERENCES erp.customers(number) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_customer_price_group_code_fkey FOREIGN KEY (customer_price_group_code) REFERENCES erp.customer_price_groups(code) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_payment_terms_code_fkey FOREIGN KEY (payment_terms_code) REFERENCES erp.payment_terms(code) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_salesperson_code_fkey FOREIGN KEY (salesperson_code) REFERENCES erp.salespeople(code) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_shipment_method_code_fkey FOREIGN KEY (shipment_method_code) REFERENCES erp.shipment_methods(code) ON UPDATE CASCADE,
  CONSTRAINT sales_headers_shipping_agent_code_fkey FOREIGN KEY (shipping_agent_code) REFERENCES erp.shipping_agents(code) ON UPDATE CASCADE
);

CREATE TABLE erp.sales_invoice_headers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  order_id uuid,
  order_number text DEFAULT ''::text NOT NULL,
  quote_number text DEFAULT ''::text NOT NULL,
  customer_number text NOT NULL,
  customer_name text DEFAULT ''::text NOT NULL,
  bill_to_customer_number text NOT NULL,
  bill_to_name text DEFAULT ''::text NOT NULL,
  bill_to_address_line1 text DEFAULT ''::text NOT NULL,
  bill_to_address_line2 text DEFAULT ''::text NOT NULL,
  bill_to_city text DEFAULT ''::text NOT NULL,
  bill_to_state text DEFAULT ''::text NOT NULL,
  bill_to_country text DEFAULT ''::text NOT NULL,
  bill_to_postal_code text DEFAULT ''::text NOT NULL,
  ship_to_name text DEFAULT ''::text NOT NULL,
  ship_to_contact text DEFAULT ''::text NOT NULL,
  ship_to_address_line1 text DEFAULT ''::text NOT NULL,
  ship_to_address_line2 text DEFAULT ''::text NOT NULL,
  ship_to_city text DEFAULT ''::text NOT NULL,
  ship_to_state text DEFAULT ''::text NOT NULL,
  ship_to_country text DEFAULT ''::text NOT NULL,
  ship_to_postal_code text DEFAULT ''::text NOT NULL,
  posting_date date NOT NULL,
  document_date date NOT NULL,
  due_date date NOT NULL,
  shipment_date date,
  currency_code text,
  currency_factor numeric(38,15) DEFAULT 1 NOT NULL,
  payment_terms_code text,
  shipment_method_code text,
  shipping_agent_code text,
  salesperson_code text,
  external_document_number text DEFAULT ''::text NOT NULL,
  your_reference text DEFAULT ''::text NOT NULL,
  work_description text DEFAULT ''::text NOT NULL,
  invoice_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  total_amount_excluding_tax numeric(38,2) NOT NULL,
  total_tax_amount numeric(38,2) NOT NULL,
  total_amount_including_tax numeric(38,2) NOT NULL,
  remaining_amount numeric(38,2) NOT NULL,
  status text DEFAULT 'Open'::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  sell_to_address_line1 text DEFAULT ''::text NOT NULL,
  sell_to_address_line2 text DEFAULT ''::text NOT NULL,
  sell_to_city text DEFAULT ''::text NOT NULL,
  sell_to_state text DEFAULT ''::text NOT NULL,
  sell_to_country text DEFAULT ''::text NOT NULL,
  sell_to_postal_code text DEFAULT ''::text NOT NULL,
  sell_to_phone_number text DEFAULT ''::text NOT NULL,
  sell_to_email text DEFAULT ''::text NOT NULL,
  CONSTRAINT sales_invoice_headers_pkey PRIMARY KEY (id),
  CONSTRAINT sales_invoice_headers_number_key UNIQUE (number),
  CONSTRAINT sales_invoice_headers_status_check CHECK (status = ANY (ARRAY['Open'::text, 'Paid'::text]))
);

CREATE TABLE erp.sales_invoice_lines (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_id uuid NOT NULL,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text DEFAULT ''::text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  attached_to_line_number integer,
  unit_of_measure_code text,
  quantity numeric(38,5) DEFAULT 0 NOT NULL,
  unit_price numeric(38,5) DEFAULT 0 NOT NULL,
  line_discount_percent numeric(9,4) DEFAULT 0 NOT NULL,
  line_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  inv_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  tax_percent numeric(9,4) DEFAULT 0 NOT NULL,
  amount numeric(38,2) DEFAULT 0 NOT NULL,
  amount_including_tax numeric(38,2) DEFAULT 0 NOT NULL,
  order_line_number integer,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_invoice_lines_pkey PRIMARY KEY (id),
  CONSTRAINT sales_invoice_lines_document_id_fkey FOREIGN KEY (document_id) REFERENCES erp.sales_invoice_headers(id) ON DELETE CASCADE
);

CREATE TABLE erp.sales_lines (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_id uuid NOT NULL,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text DEFAULT ''::text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  attached_to_line_number integer,
  unit_of_measure_code text,
  qty_per_unit_of_measure numeric(38,5) DEFAULT 1 NOT NULL,
  quantity numeric(38,5) DEFAULT 0 NOT NULL,
  unit_price numeric(38,5) DEFAULT 0 NOT NULL,
  unit_cost numeric(38,5) DEFAULT 0 NOT NULL,
  line_discount_percent numeric(9,4) DEFAULT 0 NOT NULL,
  line_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  inv_discount_amount numeric(38,2) DEFAULT 0 NOT NULL,
  tax_group_code text,
  tax_percent numeric(9,4) DEFAULT 0 NOT NULL,
  amount numeric(38,2) DEFAULT 0 NOT NULL,
  amount_including_tax numeric(38,2) DEFAULT 0 NOT NULL,
  requested_delivery_date date,
  ship_quantity numeric(38,5) DEFAULT 0 NOT NULL,
  invoice_quantity numeric(38,5) DEFAULT 0 NOT NULL,
  quantity_shipped numeric(38,5) DEFAULT 0 NOT NULL,
  quantity_invoiced numeric(38,5) DEFAULT 0 NOT NULL,
  amount_invoiced numeric(38,2) DEFAULT 0 NOT NULL,
  amount_including_tax_invoiced numeric(38,2) DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_lines_pkey PRIMARY KEY (id),
  CONSTRAINT sales_lines_document_id_line_number_key UNIQUE (document_id, line_number),
  CONSTRAINT sales_lines_check CHECK (quantity_shipped <= quantity AND quantity_invoiced <= quantity_shipped),
  CONSTRAINT sales_lines_invoice_quantity_check CHECK (invoice_quantity >= 0::numeric),
  CONSTRAINT sales_lines_line_discount_percent_check CHECK (line_discount_percent >= 0::numeric AND line_discount_percent <= 100::numeric),
  CONSTRAINT sales_lines_line_number_check CHECK (line_number > 0),
  CONSTRAINT sales_lines_line_type_check CHECK (line_type = ANY (ARRAY['Item'::text, 'Resource'::text, 'Comment'::text])),
  CONSTRAINT sales_lines_quantity_check CHECK (quantity >= 0::numeric),
  CONSTRAINT sales_lines_ship_quantity_check CHECK (ship_quantity >= 0::numeric),
  CONSTRAINT sales_lines_unit_price_check CHECK (unit_price >= 0::numeric),
  CONSTRAINT sales_lines_document_id_fkey FOREIGN KEY (document_id) REFERENCES erp.sales_headers(id) ON DELETE CASCADE,
  CONSTRAINT sales_lines_unit_of_measure_code_fkey FOREIGN KEY (unit_of_measure_code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE
);

CREATE TABLE erp.sales_prices (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  item_number text NOT NULL,
  sales_type text NOT NULL,
  sales_code text DEFAULT ''::text NOT NULL,
  currency_code text,
  unit_of_measure_code text,
  minimum_quantity numeric(38,5) DEFAULT 0 NOT NULL,
  starting_date date,
  ending_date date,
  unit_price numeric(38,5) NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_prices_pkey PRIMARY KEY (id),
  CONSTRAINT sales_prices_check CHECK ((sales_type = 'All Customers'::text) = (sales_code = ''::text)),
  CONSTRAINT sales_prices_minimum_quantity_check CHECK (minimum_quantity >= 0::numeric),
  CONSTRAINT sales_prices_sales_type_check CHECK (sales_type = ANY (ARRAY['Customer'::text, 'Customer Price Group'::text, 'All Customers'::text])),
  CONSTRAINT sales_prices_unit_price_check CHECK (unit_price >= 0::numeric),
  CONSTRAINT sales_prices_currency_code_fkey FOREIGN KEY (currency_code) REFERENCES erp.currencies(code) ON UPDATE CASCADE,
  CONSTRAINT sales_prices_item_number_fkey FOREIGN KEY (item_number) REFERENCES erp.items(number) ON UPDATE CASCADE ON DELETE CASCADE,
  CONSTRAINT sales_prices_unit_of_measure_code_fkey FOREIGN KEY (unit_of_measure_code) REFERENCES erp.units_of_measure(code) ON UPDATE CASCADE
);

CREATE TABLE erp.sales_setup (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  singleton boolean DEFAULT true NOT NULL,
  write_in_product_type text DEFAULT 'Item'::text NOT NULL,
  write_in_product_number text,
  archive_quotes boolean DEFAULT true NOT NULL,
  archive_orders boolean DEFAULT true NOT NULL,
  customer_nos text DEFAULT 'CUST'::text NOT NULL,
  contact_nos text DEFAULT 'CONT'::text NOT NULL,
  item_nos text DEFAULT 'ITEM'::text NOT NULL,
  resource_nos text DEFAULT 'RES'::text NOT NULL,
  quote_nos text DEFAULT 'S-QUO'::text NOT NULL,
  order_nos text DEFAULT 'S-ORD'::text NOT NULL,
  posted_invoice_nos text DEFAULT 'S-INV+'::text NOT NULL,
  posted_shipment_nos text DEFAULT 'S-SHPT'::text NOT NULL,
  payment_nos text DEFAULT 'PMT'::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  invoice_nos text DEFAULT 'S-INV'::text NOT NULL,
  credit_memo_nos text DEFAULT 'S-CR'::text NOT NULL,
  posted_credit_memo_nos text DEFAULT 'S-CR+'::text NOT NULL,
  CONSTRAINT sales_setup_pkey PRIMARY KEY (id),
  CONSTRAINT sales_setup_singleton_key UNIQUE (singleton),
  CONSTRAINT sales_setup_singleton_check CHECK (singleton),
  CONSTRAINT sales_setup_write_in_product_type_check CHECK (write_in_product_type = ANY (ARRAY['Item'::text, 'Resource'::text]))
);

CREATE TABLE erp.sales_shipment_headers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  number text NOT NULL,
  order_id uuid NOT NULL,
  order_number text NOT NULL,
  customer_number text NOT NULL,
  customer_name text DEFAULT ''::text NOT NULL,
  posting_date date NOT NULL,
  your_reference text DEFAULT ''::text NOT NULL,
  external_document_number text DEFAULT ''::text NOT NULL,
  ship_to_name text DEFAULT ''::text NOT NULL,
  shipment_method_code text,
  shipping_agent_code text,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_shipment_headers_pkey PRIMARY KEY (id),
  CONSTRAINT sales_shipment_headers_number_key UNIQUE (number)
);

CREATE TABLE erp.sales_shipment_lines (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  document_id uuid NOT NULL,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text DEFAULT ''::text NOT NULL,
  description text DEFAULT ''::text NOT NULL,
  unit_of_measure_code text,
  quantity numeric(38,5) NOT NULL,
  order_line_number integer NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT sales_shipment_lines_pkey PRIMARY KEY (id),
  CONSTRAINT sales_shipment_lines_document_id_fkey FOREIGN KEY (document_id) REFERENCES erp.sales_shipment_headers(id) ON DELETE CASCADE
);

CREATE TABLE erp.salespeople (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  email text DEFAULT ''::text NOT NULL,
  phone_number text DEFAULT ''::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT salespeople_pkey PRIMARY KEY (id),
  CONSTRAINT salespeople_code_key UNIQUE (code),
  CONSTRAINT salespeople_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.shipment_methods (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT shipment_methods_pkey PRIMARY KEY (id),
  CONSTRAINT shipment_methods_code_key UNIQUE (code),
  CONSTRAINT shipment_methods_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.shipping_agents (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  internet_address text DEFAULT ''::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT shipping_agents_pkey PRIMARY KEY (id),
  CONSTRAINT shipping_agents_code_key UNIQUE (code),
  CONSTRAINT shipping_agents_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.units_of_measure (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  international_standard_code text DEFAULT ''::text NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT units_of_measure_pkey PRIMARY KEY (id),
  CONSTRAINT units_of_measure_code_key UNIQUE (code),
  CONSTRAINT units_of_measure_code_check CHECK (code <> ''::text)
);

CREATE TABLE erp.vat_posting_groups (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  code text NOT NULL,
  display_name text DEFAULT ''::text NOT NULL,
  vat_percent numeric(9,4) DEFAULT 0 NOT NULL,
  last_modified_at timestamp with time zone DEFAULT now() NOT NULL,
  change_seq bigint DEFAULT 0 NOT NULL,
  modified_by text DEFAULT 'user'::text NOT NULL,
  change_xid xid8,
  CONSTRAINT vat_posting_groups_pkey PRIMARY KEY (id),
  CONSTRAINT vat_posting_groups_code_key UNIQUE (code),
  CONSTRAINT vat_posting_groups_code_check CHECK (code <> ''::text),
  CONSTRAINT vat_posting_groups_vat_percent_check CHECK (vat_percent >= 0::numeric AND vat_percent < 100::numeric)
);

CREATE VIEW erp.sales_credit_memo_document_lines AS
 SELECT l.id,
    l.document_id,
    l.line_number,
    l.line_type,
    l.number,
    l.description,
    l.attached_to_line_number,
    l.unit_of_measure_code,
    l.qty_per_unit_of_measure,
    l.quantity,
    l.unit_price,
    l.line_discount_percent,
    l.line_discount_amount,
    l.inv_discount_amount,
    l.tax_group_code,
    l.tax_percent,
    l.amount,
    l.amount_including_tax,
    l.last_modified_at,
    l.change_seq,
    l.modified_by,
    l.change_xid
   FROM erp.sales_lines l
     JOIN erp.sales_headers h ON h.id = l.document_id
  WHERE h.document_type = 'Credit Memo'::text
UNION ALL
 SELECT p.id,
    p.document_id,
    p.line_number,
    p.line_type,
    p.number,
    p.description,
    p.attached_to_line_number,
    p.unit_of_measure_code,
    1 AS qty_per_unit_of_measure,
    p.quantity,
    p.unit_price,
    p.line_discount_percent,
    p.line_discount_amount,
    p.inv_discount_amount,
    NULL::text AS tax_group_code,
    p.tax_percent,
    p.amount,
    p.amount_including_tax,
    p.last_modified_at,
    p.change_seq,
    p.modified_by,
    p.change_xid
   FROM erp.sales_cr_memo_lines p;

CREATE VIEW erp.sales_credit_memo_documents AS
 SELECT h.id,
    h.number,
    'Draft'::text AS status,
    h.customer_number,
    h.customer_name,
    h.bill_to_customer_number,
    h.bill_to_name,
    h.bill_to_address_line1,
    h.bill_to_address_line2,
    h.bill_to_city,
    h.bill_to_state,
    h.bill_to_country,
    h.bill_to_postal_code,
    h.ship_to_name,
    h.ship_to_contact,
    h.ship_to_address_line1,
    h.ship_to_address_line2,
    h.ship_to_city,
    h.ship_to_state,
    h.ship_to_country,
    h.ship_to_postal_code,
    h.document_date,
    h.posting_date,
    h.due_date,
    h.currency_code,
    h.currency_factor,
    h.payment_terms_code,
    h.shipment_method_code,
    h.shipping_agent_code,
    h.salesperson_code,
    h.customer_price_group_code,
    h.external_document_number,
    h.your_reference,
    h.work_description,
    h.applies_to_invoice_number,
    h.invoice_discount_amount,
    h.total_amount_excluding_tax,
    h.total_tax_amount,
    h.total_amount_including_tax,
    h.total_amount_including_tax AS remaining_amount,
    h.last_modified_at,
    h.change_seq,
    h.modified_by,
    h.change_xid,
    h.sell_to_address_line1,
    h.sell_to_address_line2,
    h.sell_to_city,
    h.sell_to_state,
    h.sell_to_country,
    h.sell_to_postal_code,
    h.sell_to_phone_number,
    h.sell_to_email
   FROM erp.sales_headers h
  WHERE h.document_type = 'Credit Memo'::text
UNION ALL
 SELECT p.id,
    p.number,
    p.status,
    p.customer_number,
    p.customer_name,
    p.bill_to_customer_number,
    p.bill_to_name,
    p.bill_to_address_line1,
    p.bill_to_address_line2,
    p.bill_to_city,
    p.bill_to_state,
    p.bill_to_country,
    p.bill_to_postal_code,
    p.ship_to_name,
    p.ship_to_contact,
    p.ship_to_address_line1,
    p.ship_to_address_line2,
    p.ship_to_city,
    p.ship_to_state,
    p.ship_to_country,
    p.ship_to_postal_code,
    p.document_date,
    p.posting_date,
    p.due_date,
    p.currency_code,
    p.currency_factor,
    p.payment_terms_code,
    p.shipment_method_code,
    p.shipping_agent_code,
    p.salesperson_code,
    NULL::text AS customer_price_group_code,
    p.external_document_number,
    p.your_reference,
    p.work_description,
    p.applies_to_invoice_number,
    p.invoice_discount_amount,
    p.total_amount_excluding_tax,
    p.total_tax_amount,
    p.total_amount_including_tax,
    p.remaining_amount,
    p.last_modified_at,
    p.change_seq,
    p.modified_by,
    p.change_xid,
    p.sell_to_address_line1,
    p.sell_to_address_line2,
    p.sell_to_city,
    p.sell_to_state,
    p.sell_to_country,
    p.sell_to_postal_code,
    p.sell_to_phone_number,
    p.sell_to_email
   FROM erp.sales_cr_memo_headers p;

CREATE VIEW erp.sales_invoice_document_lines AS
 SELECT l.id,
    l.document_id,
    l.line_number,
    l.line_type,
    l.number,
    l.description,
    l.attached_to_line_number,
    l.unit_of_measure_code,
    l.qty_per_unit_of_measure,
    l.quantity,
    l.unit_price,
    l.line_discount_percent,
    l.line_discount_amount,
    l.inv_discount_amount,
    l.tax_group_code,
    l.tax_percent,
    l.amount,
    l.amount_including_tax,
    NULL::integer AS order_line_number,
    l.last_modified_at,
    l.change_seq,
    l.modified_by,
    l.change_xid
   FROM erp.sales_lines l
     JOIN erp.sales_headers h ON h.id = l.document_id
  WHERE h.document_type = 'Invoice'::text
UNION ALL
 SELECT p.id,
    p.document_id,
    p.line_number,
    p.line_type,
    p.number,
    p.description,
    p.attached_to_line_number,
    p.unit_of_measure_code,
    1 AS qty_per_unit_of_measure,
    p.quantity,
    p.unit_price,
    p.line_discount_percent,
    p.line_discount_amount,
    p.inv_discount_amount,
    NULL::text AS tax_group_code,
    p.tax_percent,
    p.amount,
    p.amount_including_tax,
    p.order_line_number,
    p.last_modified_at,
    p.change_seq,
    p.modified_by,
    p.change_xid
   FROM erp.sales_invoice_lines p;

CREATE VIEW erp.sales_invoice_documents AS
 SELECT h.id,
    h.number,
    'Draft'::text AS status,
    NULL::uuid AS order_id,
    ''::text AS order_number,
    h.quote_number,
    h.customer_number,
    h.customer_name,
    h.bill_to_customer_number,
    h.bill_to_name,
    h.bill_to_address_line1,
    h.bill_to_address_line2,
    h.bill_to_city,
    h.bill_to_state,
    h.bill_to_country,
    h.bill_to_postal_code,
    h.ship_to_name,
    h.ship_to_contact,
    h.ship_to_address_line1,
    h.ship_to_address_line2,
    h.ship_to_city,
    h.ship_to_state,
    h.ship_to_country,
    h.ship_to_postal_code,
    h.document_date,
    h.posting_date,
    h.due_date,
    NULL::date AS shipment_date,
    h.currency_code,
    h.currency_factor,
    h.payment_terms_code,
    h.shipment_method_code,
    h.shipping_agent_code,
    h.salesperson_code,
    h.customer_price_group_code,
    h.external_document_number,
    h.your_reference,
    h.work_description,
    h.invoice_discount_amount,
    h.total_amount_excluding_tax,
    h.total_tax_amount,
    h.total_amount_including_tax,
    h.total_amount_including_tax AS remaining_amount,
    h.last_modified_at,
    h.change_seq,
    h.modified_by,
    h.change_xid,
    h.sell_to_address_line1,
    h.sell_to_address_line2,
    h.sell_to_city,
    h.sell_to_state,
    h.sell_to_country,
    h.sell_to_postal_code,
    h.sell_to_phone_number,
    h.sell_to_email
   FROM erp.sales_headers h
  WHERE h.document_type = 'Invoice'::text
UNION ALL
 SELECT p.id,
    p.number,
    p.status,
    p.order_id,
    p.order_number,
    p.quote_number,
    p.customer_number,
    p.customer_name,
    p.bill_to_customer_number,
    p.bill_to_name,
    p.bill_to_address_line1,
    p.bill_to_address_line2,
    p.bill_to_city,
    p.bill_to_state,
    p.bill_to_country,
    p.bill_to_postal_code,
    p.ship_to_name,
    p.ship_to_contact,
    p.ship_to_address_line1,
    p.ship_to_address_line2,
    p.ship_to_city,
    p.ship_to_state,
    p.ship_to_country,
    p.ship_to_postal_code,
    p.document_date,
    p.posting_date,
    p.due_date,
    p.shipment_date,
    p.currency_code,
    p.currency_factor,
    p.payment_terms_code,
    p.shipment_method_code,
    p.shipping_agent_code,
    p.salesperson_code,
    NULL::text AS customer_price_group_code,
    p.external_document_number,
    p.your_reference,
    p.work_description,
    p.invoice_discount_amount,
    p.total_amount_excluding_tax,
    p.total_tax_amount,
    p.total_amount_including_tax,
    p.remaining_amount,
    p.last_modified_at,
    p.change_seq,
    p.modified_by,
    p.change_xid,
    p.sell_to_address_line1,
    p.sell_to_address_line2,
    p.sell_to_city,
    p.sell_to_state,
    p.sell_to_country,
    p.sell_to_postal_code,
    p.sell_to_phone_number,
    p.sell_to_email
   FROM erp.sales_invoice_headers p;

CREATE INDEX companies_change_seq_idx ON erp.companies USING btree (change_seq);

CREATE INDEX contacts_change_seq_idx ON erp.contacts USING btree (change_seq);

CREATE INDEX contacts_company_idx ON erp.contacts USING btree (company_number);

CREATE INDEX contacts_customer_idx ON erp.contacts USING btree (customer_number);

CREATE INDEX currencies_change_seq_idx ON erp.currencies USING btree (change_seq);

CREATE INDEX currency_exchange_rates_change_seq_idx ON erp.currency_exchange_rates USING btree (change_seq);

CREATE INDEX customer_ledger_entries_change_seq_idx ON erp.customer_ledger_entries USING btree (change_seq);

CREATE INDEX customer_ledger_entries_customer_idx ON erp.customer_ledger_entries USING btree (customer_number, open);

CREATE INDEX customer_price_groups_change_seq_idx ON erp.customer_price_groups USING btree (change_seq);

CREATE INDEX customers_change_seq_idx ON erp.customers USING btree (change_seq);

CREATE INDEX deletions_seq_idx ON erp.deletions USING btree (table_name, change_seq);

CREATE INDEX general_setup_change_seq_idx ON erp.general_setup USING btree (change_seq);

CREATE INDEX item_ledger_entries_change_seq_idx ON erp.item_ledger_entries USING btree (change_seq);

CREATE INDEX item_units_of_measure_change_seq_idx ON erp.item_units_of_measure USING btree (change_seq);

CREATE INDEX items_change_seq_idx ON erp.items USING btree (change_seq);

CREATE INDEX number_series_change_seq_idx ON erp.number_series USING btree (change_seq);

CREATE INDEX outbox_unprocessed_idx ON erp.outbox USING btree (id) WHERE (processed_at IS NULL);

CREATE INDEX payment_applications_change_seq_idx ON erp.payment_applications USING btree (change_seq);

CREATE INDEX payment_terms_change_seq_idx ON erp.payment_terms USING btree (change_seq);

CREATE INDEX resource_units_of_measure_change_seq_idx ON erp.resource_units_of_measure USING btree (change_seq);

CREATE INDEX resources_change_seq_idx ON erp.resources USING btree (change_seq);

CREATE INDEX sales_cr_memo_headers_change_seq_idx ON erp.sales_cr_memo_headers USING btree (change_seq);

CREATE INDEX sales_cr_memo_headers_customer_idx ON erp.sales_cr_memo_headers USING btree (customer_number);

CREATE INDEX sales_cr_memo_lines_change_seq_idx ON erp.sales_cr_memo_lines USING btree (change_seq);

CREATE INDEX sales_header_archives_change_seq_idx ON erp.sales_header_archives USING btree (change_seq);

CREATE INDEX sales_headers_change_seq_idx ON erp.sales_headers USING btree (change_seq);

CREATE INDEX sales_headers_customer_idx ON erp.sales_headers USING btree (customer_number);

CREATE INDEX sales_invoice_headers_change_seq_idx ON erp.sales_invoice_headers USING btree (change_seq);

CREATE INDEX sales_invoice_headers_customer_idx ON erp.sales_invoice_headers USING btree (customer_number);

CREATE INDEX sales_invoice_lines_change_seq_idx ON erp.sales_invoice_lines USING btree (change_seq);

CREATE INDEX sales_lines_change_seq_idx ON erp.sales_lines USING btree (change_seq);

CREATE INDEX sales_prices_change_seq_idx ON erp.sales_prices USING btree (change_seq);

CREATE INDEX sales_prices_item_idx ON erp.sales_prices USING btree (item_number);

CREATE INDEX sales_setup_change_seq_idx ON erp.sales_setup USING btree (change_seq);

CREATE INDEX sales_shipment_headers_change_seq_idx ON erp.sales_shipment_headers USING btree (change_seq);

CREATE INDEX sales_shipment_lines_change_seq_idx ON erp.sales_shipment_lines USING btree (change_seq);

CREATE INDEX salespeople_change_seq_idx ON erp.salespeople USING btree (change_seq);

CREATE INDEX shipment_methods_change_seq_idx ON erp.shipment_methods USING btree (change_seq);

CREATE INDEX shipping_agents_change_seq_idx ON erp.shipping_agents USING btree (change_seq);

CREATE INDEX units_of_measure_change_seq_idx ON erp.units_of_measure USING btree (change_seq);

CREATE INDEX vat_posting_groups_change_seq_idx ON erp.vat_posting_groups USING btree (change_seq);

CREATE OR REPLACE FUNCTION erp.change_horizon()
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
  horizon bigint;
  got boolean := false;
BEGIN
  FOR i IN 1..2000 LOOP
    got := pg_try_advisory_xact_lock(7741542357924653057);
    EXIT WHEN got;
    PERFORM pg_sleep(0.005);
  END LOOP;
  IF NOT got THEN
    PERFORM pg_advisory_xact_lock(7741542357924653057);
  END IF;
  SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO horizon FROM erp.change_seq;
  RETURN horizon;
END $function$;

CREATE OR REPLACE FUNCTION erp.track(tbl regclass)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
  EXECUTE format('CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION erp.track_change()', tbl);
  EXECUTE format('CREATE TRIGGER track_change_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION erp.track_change()', tbl);
  EXECUTE format('CREATE INDEX ON %s (change_seq)', tbl);
END $function$;

CREATE OR REPLACE FUNCTION erp.track_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
  actor text := coalesce(nullif(current_setting('kobling.actor', true), ''), 'user');
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7741542357924653057);
  IF TG_OP = 'DELETE' THEN
    INSERT INTO erp.deletions (table_name, record_id, change_seq, deleted_by)
    VALUES (TG_TABLE_NAME, OLD.id, nextval('erp.change_seq'), actor);
    PERFORM pg_notify('kobling_erp_change', TG_TABLE_NAME);
    RETURN OLD;
  END IF;
  NEW.last_modified_at := clock_timestamp();
  NEW.change_seq := nextval('erp.change_seq');
  NEW.modified_by := actor;
  NEW.change_xid := pg_current_xact_id();
  PERFORM pg_notify('kobling_erp_change', TG_TABLE_NAME);
  RETURN NEW;
END $function$;

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.companies FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.companies FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.contacts FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.contacts FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.currencies FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.currencies FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.currency_exchange_rates FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.currency_exchange_rates FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.customer_ledger_entries FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.customer_ledger_entries FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.customer_price_groups FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.customer_price_groups FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.customers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.customers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.general_setup FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.general_setup FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.item_ledger_entries FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.item_ledger_entries FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.item_units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.item_units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.items FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.items FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.number_series FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.number_series FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.payment_applications FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.payment_applications FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.payment_terms FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.payment_terms FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.resource_units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.resource_units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.resources FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.resources FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_cr_memo_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_cr_memo_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_cr_memo_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_cr_memo_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_header_archives FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_header_archives FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_deleted_sales_document AFTER DELETE ON erp.sales_headers FOR EACH ROW EXECUTE FUNCTION integration.remember_deleted_sales_document();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_invoice_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_invoice_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_invoice_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_invoice_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_prices FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_prices FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_setup FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_setup FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_shipment_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_shipment_headers FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.sales_shipment_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.sales_shipment_lines FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.salespeople FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.salespeople FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.shipment_methods FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.shipment_methods FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.shipping_agents FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.shipping_agents FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.units_of_measure FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_delete AFTER DELETE ON erp.vat_posting_groups FOR EACH ROW EXECUTE FUNCTION erp.track_change();

CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON erp.vat_posting_groups FOR EACH ROW EXECUTE FUNCTION erp.track_change();

-- ----------------------------------------------------------------------
-- Schema integration
-- ----------------------------------------------------------------------

CREATE SCHEMA integration;

CREATE TABLE integration.conflict_baselines (
  coupling_id uuid NOT NULL,
  crm_values jsonb NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  unsettled_at timestamp with time zone,
  CONSTRAINT conflict_baselines_pkey PRIMARY KEY (coupling_id)
);

CREATE TABLE integration.conflict_states (
  state text NOT NULL,
  CONSTRAINT conflict_states_pkey PRIMARY KEY (state)
);

CREATE TABLE integration.conflict_transitions (
  from_state text NOT NULL,
  to_state text NOT NULL,
  CONSTRAINT conflict_transitions_pkey PRIMARY KEY (from_state, to_state),
  CONSTRAINT conflict_transitions_from_state_fkey FOREIGN KEY (from_state) REFERENCES integration.conflict_states(state),
  CONSTRAINT conflict_transitions_to_state_fkey FOREIGN KEY (to_state) REFERENCES integration.conflict_states(state)
);

CREATE TABLE integration.conflicts (
  id uuid NOT NULL,
  mapping_name text NOT NULL,
  coupling_id uuid NOT NULL,
  erp_table text NOT NULL,
  erp_id uuid NOT NULL,
  crm_entity text NOT NULL,
  crm_id uuid NOT NULL,
  erp_field text NOT NULL,
  crm_field text NOT NULL,
  erp_value jsonb,
  crm_value jsonb,
  crm_value_in_erp jsonb,
  erp_modified_by text,
  erp_modified_at timestamp with time zone,
  crm_modified_by text,
  crm_modified_at timestamp with time zone,
  state text DEFAULT 'open'::text NOT NULL,
  resolution text,
  resolved_value jsonb,
  resolved_by text,
  resolved_at timestamp with time zone,
  job_id uuid,
  detected_at timestamp with time zone NOT NULL,
  updated_at timestamp with time zone NOT NULL,
  CONSTRAINT conflicts_pkey PRIMARY KEY (id),
  CONSTRAINT conflicts_resolution_check CHECK (resolution = ANY (ARRAY['erp'::text, 'crm'::text, 'value'::text])),
  CONSTRAINT conflicts_coupling_id_fkey FOREIGN KEY (coupling_id) REFERENCES integration.couplings(id) ON DELETE CASCADE,
  CONSTRAINT conflicts_mapping_name_fkey FOREIGN KEY (mapping_name) REFERENCES integration.table_mappings(name) ON UPDATE CASCADE ON DELETE CASCADE,
  CONSTRAINT conflicts_state_fk FOREIGN KEY (state) REFERENCES integration.conflict_states(state)
);

CREATE TABLE integration.connection (
  id integer DEFAULT 1 NOT NULL,
  crm_url text,
  authority_url text,
  tenant_id text,
  client_id text,
  client_secret_enc text,
  enabled boolean DEFAULT false NOT NULL,
  sales_order_integration boolean DEFAULT true NOT NULL,
  auto_create_sales_orders boolean DEFAULT false NOT NULL,
  auto_process_quotes boolean DEFAULT false NOT NULL,
  unit_group_mapping boolean DEFAULT true NOT NULL,
  ownership_model text DEFAULT 'Person'::text NOT NULL,
  integration_user_id uuid,
  base_currency_id uuid,
  crm_version text,
  last_test jsonb,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  enabled_at timestamp with time zone,
  default_price_list_id uuid,
  demo_coupled_at timestamp with time zone,
  item_availability boolean DEFAULT true NOT NULL,
  crm_organization_id uuid,
  crm_organization_move jsonb,
  crm_organization_unidentified jsonb,
  CONSTRAINT connection_pkey PRIMARY KEY (id),
  CONSTRAINT connection_id_check CHECK (id = 1),
  CONSTRAINT connection_ownership_model_check CHECK (ownership_model = ANY (ARRAY['Person'::text, 'Team'::text]))
);

CREATE TABLE integration.couplings (
  id uuid NOT NULL,
  mapping_name text NOT NULL,
  erp_table text NOT NULL,
  erp_id uuid NOT NULL,
  crm_entity text NOT NULL,
  crm_id uuid NOT NULL,
  state text DEFAULT 'coupled'::text NOT NULL,
  last_synced_erp_seq bigint,
  last_synced_erp_modified_at timestamp with time zone,
  last_synced_crm_version bigint,
  last_synced_crm_modified_on timestamp with time zone,
  last_result_to_erp text,
  last_result_to_crm text,
  last_job_to_erp uuid,
  last_job_to_crm uuid,
  last_error_to_erp text,
  last_error_to_crm text,
  skipped boolean DEFAULT false NOT NULL,
  statistics_uploaded boolean DEFAULT false NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  pending_side text DEFAULT 'crm'::text NOT NULL,
  reverse_due text,
  needs_retry boolean GENERATED ALWAYS AS (((NOT skipped) AND (COALESCE((last_result_to_erp = 'Failure'::text), false) OR COALESCE((last_result_to_crm = 'Failure'::text), false) OR (reverse_due IS NOT NULL)))) STORED NOT NULL,
  CONSTRAINT couplings_pkey PRIMARY KEY (id),
  CONSTRAINT couplings_crm_entity_crm_id_key UNIQUE (crm_entity, crm_id),
  CONSTRAINT couplings_erp_table_erp_id_key UNIQUE (erp_table, erp_id),
  CONSTRAINT couplings_last_result_to_crm_check CHECK (last_result_to_crm = ANY (ARRAY['Success'::text, 'Failure'::text])),
  CONSTRAINT couplings_last_result_to_erp_check CHECK (last_result_to_erp = ANY (ARRAY['Success'::text, 'Failure'::text])),
  CONSTRAINT couplings_pending_side_check CHECK (pending_side = ANY (ARRAY['crm'::text, 'erp'::text])),
  CONSTRAINT couplings_reverse_due_check CHECK (reverse_due = ANY (ARRAY['ToIntegrationTable'::text, 'FromIntegrationTable'::text])),
  CONSTRAINT couplings_state_check CHECK (state = ANY (ARRAY['pending'::text, 'coupled'::text]))
);

CREATE TABLE integration.crm_create_journal (
  id uuid NOT NULL,
  mapping_name text NOT NULL,
  job_id uuid NOT NULL,
  coupling_ids uuid[] NOT NULL,
  erp_ids uuid[] NOT NULL,
  crm_ids uuid[] NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT crm_create_journal_pkey PRIMARY KEY (id),
  CONSTRAINT crm_create_journal_check CHECK (cardinality(coupling_ids) = cardinality(erp_ids) AND cardinality(erp_ids) = cardinality(crm_ids)),
  CONSTRAINT crm_create_journal_mapping_name_fkey FOREIGN KEY (mapping_name) REFERENCES integration.table_mappings(name) ON DELETE CASCADE
);

CREATE TABLE integration.crm_document_pickups (
  crm_entity text NOT NULL,
  crm_id uuid NOT NULL,
  crm_number text DEFAULT ''::text NOT NULL,
  crm_name text DEFAULT ''::text NOT NULL,
  outcome text NOT NULL,
  erp_document_id uuid,
  erp_number text,
  error_code text,
  error_message text,
  attempts integer DEFAULT 0 NOT NULL,
  last_attempt_at timestamp with time zone NOT NULL,
  won_processed_at timestamp with time zone,
  CONSTRAINT crm_document_pickups_pkey PRIMARY KEY (crm_entity, crm_id),
  CONSTRAINT crm_document_pickups_crm_entity_check CHECK (crm_entity = ANY (ARRAY['salesorder'::text, 'quote'::text])),
  CONSTRAINT crm_document_pickups_outcome_check CHECK (outcome = ANY (ARRAY['created'::text, 'updated'::text, 'unchanged'::text, 'refused'::text]))
);

CREATE TABLE integration.deleted_sales_documents (
  id bigint DEFAULT nextval('integration.deleted_sales_documents_id_seq'::regclass) NOT NULL,
  document_id uuid NOT NULL,
  document_type text NOT NULL,
  customer_number text NOT NULL,
  bill_to_customer_number text NOT NULL,
  change_seq bigint NOT NULL,
  CONSTRAINT deleted_sales_documents_pkey PRIMARY KEY (id)
);

CREATE TABLE integration.field_mappings (
  id bigint DEFAULT nextval('integration.field_mappings_id_seq'::regclass) NOT NULL,
  mapping_name text NOT NULL,
  position integer NOT NULL,
  erp_field text,
  crm_field text,
  direction text NOT NULL,
  constant_value text,
  lookup jsonb,
  transformation text,
  validate_field boolean DEFAULT true NOT NULL,
  validate_crm_field boolean DEFAULT false NOT NULL,
  clear_on_failed_sync boolean DEFAULT false NOT NULL,
  not_null boolean DEFAULT false NOT NULL,
  enabled boolean DEFAULT true NOT NULL,
  use_for_matching boolean DEFAULT false NOT NULL,
  case_sensitive_matching boolean DEFAULT false NOT NULL,
  match_priority integer DEFAULT 0 NOT NULL,
  user_defined boolean DEFAULT false NOT NULL,
  CONSTRAINT field_mappings_pkey PRIMARY KEY (id),
  CONSTRAINT field_mappings_mapping_name_position_key UNIQUE (mapping_name, "position"),
  CONSTRAINT field_mappings_check CHECK (erp_field IS NOT NULL OR crm_field IS NOT NULL),
  CONSTRAINT field_mappings_check1 CHECK (NOT (clear_on_failed_sync AND not_null)),
  CONSTRAINT field_mappings_direction_check CHECK (direction = ANY (ARRAY['Bidirectional'::text, 'ToIntegrationTable'::text, 'FromIntegrationTable'::text])),
  CONSTRAINT field_mappings_mapping_name_fkey FOREIGN KEY (mapping_name) REFERENCES integration.table_mappings(name) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE integration.flow_event_receipts (
  consumer text NOT NULL,
  outbox_id bigint NOT NULL,
  outcome text NOT NULL,
  processed_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT flow_event_receipts_pkey PRIMARY KEY (consumer, outbox_id)
);

CREATE TABLE integration.full_sync_lines (
  mapping_name text NOT NULL,
  position integer NOT NULL,
  dependency_filter text DEFAULT ''::text NOT NULL,
  direction text NOT NULL,
  recommendation text NOT NULL,
  erp_count bigint,
  crm_count bigint,
  status text DEFAULT 'Pending'::text NOT NULL,
  message text,
  done bigint DEFAULT 0 NOT NULL,
  total bigint,
  counters jsonb DEFAULT '{}'::jsonb NOT NULL,
  job_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
  attempts integer DEFAULT 0 NOT NULL,
  queued_at timestamp with time zone,
  started_at timestamp with time zone,
  heartbeat_at timestamp with time zone,
  finished_at timestamp with time zone,
  prepared_at timestamp with time zone,
  matched integer,
  ambiguous integer,
  skipped_records integer,
  crm_coupled bigint,
  stop_requested_at timestamp with time zone,
  stop_requested_by text,
  stop_watermarks jsonb,
  CONSTRAINT full_sync_lines_pkey PRIMARY KEY (mapping_name),
  CONSTRAINT full_sync_lines_recommendation_check CHECK (recommendation = ANY (ARRAY['FullSynchronization'::text, 'CoupleRecords'::text, 'NoRecords'::text])),
  CONSTRAINT full_sync_lines_status_check CHECK (status = ANY (ARRAY['Pending'::text, 'Queued'::text, 'Running'::text, 'Finished'::text, 'FinishedWithErrors'::text, 'Failed'::text, 'NotNeeded'::text, 'Stopped'::text])),
  CONSTRAINT full_sync_lines_mapping_name_fkey FOREIGN KEY (mapping_name) REFERENCES integration.table_mappings(name) ON UPDATE CASCADE ON DELETE CASCADE
);

CREATE TABLE integration.full_sync_transitions (
  from_status text NOT NULL,
  to_status text NOT NULL,
  CONSTRAINT full_sync_transitions_pkey PRIMARY KEY (from_status, to_status)
);

CREATE TABLE integration.option_couplings (
  mapping_name text NOT NULL,
  erp_id uuid NOT NULL,
  option_value integer NOT NULL,
  option_label text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT option_couplings_pkey PRIMARY KEY (mapping_name, erp_id),
  CONSTRAINT option_couplings_mapping_name_option_value_key UNIQUE (mapping_name, option_value)
);

CREATE TABLE integration.organization_set_aside (
  organization_id uuid NOT NULL,
  kind text NOT NULL,
  row jsonb NOT NULL,
  set_aside_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT organization_set_aside_kind_fkey FOREIGN KEY (kind) REFERENCES integration.organization_set_aside_kinds(kind)
);

CREATE TABLE integration.organization_set_aside_kinds (
  kind text NOT NULL,
  registered_by text NOT NULL,
  label text,
  CONSTRAINT organization_set_aside_kinds_pkey PRIMARY KEY (kind),
  CONSTRAINT organization_set_aside_kinds_check CHECK (registered_by = 'sync'::text OR label IS NOT NULL),
  CONSTRAINT organization_set_aside_kinds_kind_check CHECK (kind ~ '^[a-z_][a-z0-9_]*$'::text)
);

CREATE TABLE integration.recurring_jobs (
  name text NOT NULL,
  description text NOT NULL,
  queue text NOT NULL,
  mapping_name text,
  enabled boolean DEFAULT true NOT NULL,
  interval_minutes integer DEFAULT 30 NOT NULL,
  inactivity_timeout_minutes integer DEFAULT 30 NOT NULL,
  wake_sets text[] DEFAULT '{}'::text[] NOT NULL,
  wake_seq bigint DEFAULT 0 NOT NULL,
  last_run_at timestamp with time zone,
  last_status text,
  last_message text,
  last_error text,
  next_run_at timestamp with time zone,
  state jsonb DEFAULT '{}'::jsonb NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT recurring_jobs_pkey PRIMARY KEY (name),
  CONSTRAINT recurring_jobs_mapping_name_key UNIQUE (mapping_name),
  CONSTRAINT recurring_jobs_inactivity_timeout_minutes_check CHECK (inactivity_timeout_minutes >= 0),
  CONSTRAINT recurring_jobs_interval_minutes_check CHECK (interval_minutes > 0),
  CONSTRAINT recurring_jobs_last_status_check CHECK (last_status = ANY (ARRAY['succeeded'::text, 'failed'::text, 'nothing to do'::text]))
);

CREATE TABLE integration.sync_errors (
  id bigint DEFAULT nextval('integration.sync_errors_id_seq'::regclass) NOT NULL,
  job_id uuid NOT NULL,
  mapping_name text NOT NULL,
  direction text NOT NULL,
  erp_table text NOT NULL,
  erp_id uuid,
  crm_entity text NOT NULL,
  crm_id uuid,
  message text NOT NULL,
  detail text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  superseded boolean DEFAULT false NOT NULL,
  attempt integer DEFAULT 1 NOT NULL,
  CONSTRAINT sync_errors_pkey PRIMARY KEY (id),
  CONSTRAINT sync_errors_job_id_fkey FOREIGN KEY (job_id) REFERENCES integration.sync_jobs(id) ON DELETE CASCADE
);

CREATE TABLE integration.sync_jobs (
  id uuid NOT NULL,
  mapping_name text NOT NULL,
  direction text NOT NULL,
  type text DEFAULT 'Synchronization'::text NOT NULL,
  trigger text DEFAULT 'schedule'::text NOT NULL,
  status text DEFAULT 'running'::text NOT NULL,
  started_at timestamp with time zone DEFAULT now() NOT NULL,
  finished_at timestamp with time zone,
  inserted integer DEFAULT 0 NOT NULL,
  modified integer DEFAULT 0 NOT NULL,
  unchanged integer DEFAULT 0 NOT NULL,
  skipped integer DEFAULT 0 NOT NULL,
  failed integer DEFAULT 0 NOT NULL,
  deleted integer DEFAULT 0 NOT NULL,
  uncoupled integer DEFAULT 0 NOT NULL,
  coupled integer DEFAULT 0 NOT NULL,
  message text,
  undo_of uuid,
  crm_organization_id uuid,
  CONSTRAINT sync_jobs_pkey PRIMARY KEY (id),
  CONSTRAINT sync_jobs_direction_check CHECK (direction = ANY (ARRAY['ToIntegrationTable'::text, 'FromIntegrationTable'::text])),
  CONSTRAINT sync_jobs_status_check CHECK (status = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text, 'crashed'::text, 'abandoned'::text])),
  CONSTRAINT sync_jobs_type_check CHECK (type = ANY (ARRAY['Synchronization'::text, 'Coupling'::text, 'Uncoupling'::text, 'Undo'::text])),
  CONSTRAINT sync_jobs_undo_of_fkey FOREIGN KEY (undo_of) REFERENCES integration.sync_jobs(id)
);

CREATE TABLE integration.table_mappings (
  name text NOT NULL,
  erp_table text NOT NULL,
  crm_entity text NOT NULL,
  direction text NOT NULL,
  erp_filter jsonb DEFAULT '[]'::jsonb NOT NULL,
  crm_filter jsonb DEFAULT '[]'::jsonb NOT NULL,
  sync_only_coupled boolean DEFAULT true NOT NULL,
  update_conflict text DEFAULT 'None'::text NOT NULL,
  deletion_conflict text DEFAULT 'None'::text NOT NULL,
  dependency_filter text DEFAULT ''::text NOT NULL,
  is_option_mapping boolean DEFAULT false NOT NULL,
  sync_after_coupling boolean DEFAULT false NOT NULL,
  create_new_on_no_match boolean DEFAULT false NOT NULL,
  erp_watermark bigint,
  crm_watermark text,
  job_enabled boolean DEFAULT true NOT NULL,
  job_interval_minutes integer DEFAULT 30 NOT NULL,
  inactivity_timeout_minutes integer DEFAULT 720 NOT NULL,
  user_defined boolean DEFAULT false NOT NULL,
  position integer DEFAULT 0 NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  realtime boolean,
  conflict_expiry_hours integer DEFAULT 168 NOT NULL,
  CONSTRAINT table_mappings_pkey PRIMARY KEY (name),
  CONSTRAINT table_mappings_conflict_expiry_hours_check CHECK (conflict_expiry_hours > 0),
  CONSTRAINT table_mappings_deletion_conflict_check CHECK (deletion_conflict = ANY (ARRAY['None'::text, 'RestoreRecords'::text, 'RemoveCoupling'::text])),
  CONSTRAINT table_mappings_direction_check CHECK (direction = ANY (ARRAY['Bidirectional'::text, 'ToIntegrationTable'::text, 'FromIntegrationTable'::text])),
  CONSTRAINT table_mappings_inactivity_timeout_minutes_check CHECK (inactivity_timeout_minutes >= 0),
  CONSTRAINT table_mappings_job_interval_minutes_check CHECK (job_interval_minutes > 0),
  CONSTRAINT table_mappings_update_conflict_check CHECK (update_conflict = ANY (ARRAY['None'::text, 'SendUpdate'::text, 'GetUpdate'::text, 'ask'::text]))
);

CREATE TABLE integration.write_history (
  id bigint DEFAULT nextval('integration.write_history_id_seq'::regclass) NOT NULL,
  job_id uuid NOT NULL,
  mapping_name text NOT NULL,
  side text NOT NULL,
  record_id uuid,
  action text NOT NULL,
  before jsonb,
  after jsonb,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  coupled_id uuid,
  record_ids uuid[],
  CONSTRAINT write_history_pkey PRIMARY KEY (id),
  CONSTRAINT write_history_action_check CHECK (action = ANY (ARRAY['insert'::text, 'modify'::text, 'delete'::text, 'deactivate'::text, 'reactivate'::text])),
  CONSTRAINT write_history_records_check CHECK (record_id IS NOT NULL AND record_ids IS NULL OR record_id IS NULL AND cardinality(record_ids) > 0 AND action = 'insert'::text AND before IS NULL AND after IS NULL AND coupled_id IS NULL),
  CONSTRAINT write_history_side_check CHECK (side = ANY (ARRAY['erp'::text, 'crm'::text]))
);

CREATE VIEW integration.write_history_records AS
 SELECT w.id,
    r."position",
    w.job_id,
    w.mapping_name,
    w.side,
    r.record_id,
    w.action,
    w.before,
    w.after,
    w.coupled_id,
    w.created_at
   FROM integration.write_history w
     CROSS JOIN LATERAL unnest(COALESCE(w.record_ids, ARRAY[w.record_id])) WITH ORDINALITY r(record_id, "position");

CREATE INDEX conflicts_mapping_idx ON integration.conflicts USING btree (mapping_name, state, detected_at);

CREATE UNIQUE INDEX conflicts_open_idx ON integration.conflicts USING btree (coupling_id, erp_field, crm_field) WHERE (state = 'open'::text);

CREATE INDEX conflicts_open_job_idx ON integration.conflicts USING btree (job_id) WHERE (state = 'open'::text);

CREATE INDEX conflicts_open_order_idx ON integration.conflicts USING btree (detected_at, id) WHERE (state = 'open'::text);

CREATE INDEX couplings_list_order_idx ON integration.couplings USING btree (mapping_name, created_at, id);

CREATE INDEX couplings_pending_idx ON integration.couplings USING btree (mapping_name, pending_side, created_at, id) WHERE (state = 'pending'::text);

CREATE INDEX couplings_retry_idx ON integration.couplings USING btree (mapping_name) WHERE needs_retry;

CREATE INDEX couplings_skipped_idx ON integration.couplings USING btree (mapping_name) WHERE skipped;

CREATE INDEX crm_create_journal_mapping_idx ON integration.crm_create_journal USING btree (mapping_name, created_at);

CREATE INDEX crm_document_pickups_refused_idx ON integration.crm_document_pickups USING btree (crm_entity) WHERE (outcome = 'refused'::text);

CREATE INDEX deleted_sales_documents_seq_idx ON integration.deleted_sales_documents USING btree (change_seq);

CREATE INDEX organization_set_aside_org_idx ON integration.organization_set_aside USING btree (organization_id, kind);

CREATE INDEX sync_errors_job_idx ON integration.sync_errors USING btree (job_id);

CREATE INDEX sync_errors_latest_idx ON integration.sync_errors USING btree (id) WHERE (NOT superseded);

CREATE INDEX sync_errors_record_idx ON integration.sync_errors USING btree (erp_id);

CREATE INDEX sync_errors_source_record_idx ON integration.sync_errors USING btree (mapping_name, direction, (
CASE
    WHEN (direction = 'FromIntegrationTable'::text) THEN crm_id
    ELSE erp_id
END), id);

CREATE INDEX sync_jobs_list_order_idx ON integration.sync_jobs USING btree (started_at DESC, id DESC);

CREATE INDEX sync_jobs_mapping_idx ON integration.sync_jobs USING btree (mapping_name, started_at DESC, id DESC);

CREATE UNIQUE INDEX sync_jobs_undo_of_idx ON integration.sync_jobs USING btree (undo_of) WHERE ((undo_of IS NOT NULL) AND (status <> 'failed'::text));

CREATE INDEX write_history_job_side_idx ON integration.write_history USING btree (job_id, side);

CREATE INDEX write_history_record_ids_idx ON integration.write_history USING gin (record_ids) WHERE (record_ids IS NOT NULL);

CREATE INDEX write_history_record_idx ON integration.write_history USING btree (record_id);

CREATE OR REPLACE FUNCTION integration.drop_conflict_baselines()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  DELETE FROM integration.conflict_baselines b USING gone g WHERE b.coupling_id = g.id;
  RETURN NULL;
END $function$;

CREATE OR REPLACE FUNCTION integration.remember_deleted_sales_document()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF OLD.document_type <> 'Quote' THEN
    INSERT INTO integration.deleted_sales_documents
      (document_id, document_type, customer_number, bill_to_customer_number, change_seq)
    VALUES (OLD.id, OLD.document_type, OLD.customer_number, OLD.bill_to_customer_number,
      coalesce((SELECT max(d.change_seq) FROM erp.deletions d
                 WHERE d.table_name = TG_TABLE_NAME AND d.record_id = OLD.id),
               nextval('erp.change_seq')));
  END IF;
  RETURN OLD;
END $function$;

CREATE TRIGGER couplings_drop_conflict_baselines AFTER DELETE ON integration.couplings REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION integration.drop_conflict_baselines();

-- ----------------------------------------------------------------------
-- Schema public
-- ----------------------------------------------------------------------

CREATE TABLE public.kobling_migrations (
  module text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT kobling_migrations_pkey PRIMARY KEY (module, version)
);
