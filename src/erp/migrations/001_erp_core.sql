-- ERP core: master data, sales documents, posted documents, ledgers, archives, outbox.
-- Every table carries the change-capture columns (id, last_modified_at, change_seq, modified_by,
-- change_xid) maintained by erp.track_change(); deletes are recorded in erp.deletions.

CREATE SEQUENCE erp.change_seq;

CREATE TABLE erp.deletions (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  record_id uuid NOT NULL,
  change_seq bigint NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_by text NOT NULL,
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX deletions_seq_idx ON erp.deletions (table_name, change_seq);

CREATE TABLE erp.outbox (
  id bigserial PRIMARY KEY,
  event_type text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id uuid NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  processed_at timestamptz
);
CREATE INDEX outbox_unprocessed_idx ON erp.outbox (id) WHERE processed_at IS NULL;

-- The one trigger function for every tracked table.
CREATE FUNCTION erp.track_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  actor text := coalesce(nullif(current_setting('kobling.actor', true), ''), 'user');
BEGIN
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
END $$;

-- Attaches the change-capture trigger (before insert/update, after delete) to a table.
CREATE FUNCTION erp.track(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER track_change_row BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION erp.track_change()', tbl);
  EXECUTE format('CREATE TRIGGER track_change_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION erp.track_change()', tbl);
  EXECUTE format('CREATE INDEX ON %s (change_seq)', tbl);
END $$;

-- ---------------------------------------------------------------- setup
CREATE TABLE erp.companies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  display_name text NOT NULL DEFAULT '',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.number_series (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  prefix text NOT NULL DEFAULT '',
  digits integer NOT NULL DEFAULT 5 CHECK (digits BETWEEN 1 AND 18),
  last_number bigint NOT NULL DEFAULT 0 CHECK (last_number >= 0),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.currencies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  symbol text NOT NULL DEFAULT '',
  amount_decimal_places integer NOT NULL DEFAULT 2 CHECK (amount_decimal_places BETWEEN 0 AND 5),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- BC semantics: exchange_rate_amount units of the currency = relational_exchange_rate_amount LCY.
CREATE TABLE erp.currency_exchange_rates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  currency_code text NOT NULL REFERENCES erp.currencies (code) ON UPDATE CASCADE ON DELETE CASCADE,
  starting_date date NOT NULL,
  exchange_rate_amount numeric(38, 10) NOT NULL DEFAULT 1 CHECK (exchange_rate_amount > 0),
  relational_exchange_rate_amount numeric(38, 10) NOT NULL CHECK (relational_exchange_rate_amount > 0),
  UNIQUE (currency_code, starting_date),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.general_setup (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  local_currency_code text NOT NULL DEFAULT 'EUR',
  local_currency_symbol text NOT NULL DEFAULT '€',
  amount_decimal_places integer NOT NULL DEFAULT 2,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.sales_setup (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  write_in_product_type text NOT NULL DEFAULT 'Item' CHECK (write_in_product_type IN ('Item', 'Resource')),
  write_in_product_number text,
  archive_quotes boolean NOT NULL DEFAULT true,
  archive_orders boolean NOT NULL DEFAULT true,
  customer_nos text NOT NULL DEFAULT 'CUST',
  contact_nos text NOT NULL DEFAULT 'CONT',
  item_nos text NOT NULL DEFAULT 'ITEM',
  resource_nos text NOT NULL DEFAULT 'RES',
  quote_nos text NOT NULL DEFAULT 'S-QUO',
  order_nos text NOT NULL DEFAULT 'S-ORD',
  posted_invoice_nos text NOT NULL DEFAULT 'S-INV+',
  posted_shipment_nos text NOT NULL DEFAULT 'S-SHPT',
  payment_nos text NOT NULL DEFAULT 'PMT',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.vat_posting_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  vat_percent numeric(9, 4) NOT NULL DEFAULT 0 CHECK (vat_percent >= 0 AND vat_percent < 100),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.payment_terms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  due_date_calculation text NOT NULL DEFAULT '0D',
  discount_date_calculation text NOT NULL DEFAULT '',
  discount_percent numeric(9, 4) NOT NULL DEFAULT 0,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.shipment_methods (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.shipping_agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  internet_address text NOT NULL DEFAULT '',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.salespeople (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  phone_number text NOT NULL DEFAULT '',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.units_of_measure (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  international_standard_code text NOT NULL DEFAULT '',
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.customer_price_groups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code <> ''),
  display_name text NOT NULL DEFAULT '',
  allow_invoice_discount boolean NOT NULL DEFAULT true,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- ---------------------------------------------------------------- customers and contacts
CREATE TABLE erp.customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE CHECK (number <> ''),
  display_name text NOT NULL DEFAULT '',
  address_line1 text NOT NULL DEFAULT '',
  address_line2 text NOT NULL DEFAULT '',
  city text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT '',
  country text NOT NULL DEFAULT '',
  postal_code text NOT NULL DEFAULT '',
  phone_number text NOT NULL DEFAULT '',
  fax_number text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  website text NOT NULL DEFAULT '',
  contact_name text NOT NULL DEFAULT '',
  primary_contact_number text,
  salesperson_code text REFERENCES erp.salespeople (code) ON UPDATE CASCADE,
  currency_code text REFERENCES erp.currencies (code) ON UPDATE CASCADE,
  payment_terms_code text REFERENCES erp.payment_terms (code) ON UPDATE CASCADE,
  shipment_method_code text REFERENCES erp.shipment_methods (code) ON UPDATE CASCADE,
  shipping_agent_code text REFERENCES erp.shipping_agents (code) ON UPDATE CASCADE,
  customer_price_group_code text REFERENCES erp.customer_price_groups (code) ON UPDATE CASCADE,
  credit_limit numeric(38, 2) NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
  blocked text NOT NULL DEFAULT '' CHECK (blocked IN ('', 'Ship', 'Invoice', 'All')),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- Company contacts carry the business relation to a customer (customer_number); person contacts
-- belong to a company contact through company_number.
CREATE TABLE erp.contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE CHECK (number <> ''),
  type text NOT NULL DEFAULT 'Person' CHECK (type IN ('Company', 'Person')),
  display_name text NOT NULL DEFAULT '',
  first_name text NOT NULL DEFAULT '',
  middle_name text NOT NULL DEFAULT '',
  surname text NOT NULL DEFAULT '',
  job_title text NOT NULL DEFAULT '',
  company_number text REFERENCES erp.contacts (number) ON UPDATE CASCADE,
  customer_number text REFERENCES erp.customers (number) ON UPDATE CASCADE ON DELETE SET NULL,
  address_line1 text NOT NULL DEFAULT '',
  address_line2 text NOT NULL DEFAULT '',
  city text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT '',
  country text NOT NULL DEFAULT '',
  postal_code text NOT NULL DEFAULT '',
  phone_number text NOT NULL DEFAULT '',
  mobile_phone_number text NOT NULL DEFAULT '',
  fax_number text NOT NULL DEFAULT '',
  pager text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  website text NOT NULL DEFAULT '',
  salesperson_code text REFERENCES erp.salespeople (code) ON UPDATE CASCADE,
  currency_code text REFERENCES erp.currencies (code) ON UPDATE CASCADE,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);
CREATE INDEX contacts_company_idx ON erp.contacts (company_number);
CREATE INDEX contacts_customer_idx ON erp.contacts (customer_number);

-- ---------------------------------------------------------------- items and resources
CREATE TABLE erp.items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE CHECK (number <> ''),
  display_name text NOT NULL DEFAULT '',
  type text NOT NULL DEFAULT 'Inventory' CHECK (type IN ('Inventory', 'Service', 'Non-Inventory')),
  base_unit_of_measure_code text REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  unit_price numeric(38, 5) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
  unit_cost numeric(38, 5) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
  price_includes_tax boolean NOT NULL DEFAULT false,
  inventory numeric(38, 5) NOT NULL DEFAULT 0,
  vendor_number text NOT NULL DEFAULT '',
  vendor_item_number text NOT NULL DEFAULT '',
  gtin text NOT NULL DEFAULT '',
  unit_volume numeric(38, 5) NOT NULL DEFAULT 0,
  gross_weight numeric(38, 5) NOT NULL DEFAULT 0,
  tax_group_code text REFERENCES erp.vat_posting_groups (code) ON UPDATE CASCADE,
  blocked boolean NOT NULL DEFAULT false,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.item_units_of_measure (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_number text NOT NULL REFERENCES erp.items (number) ON UPDATE CASCADE ON DELETE CASCADE,
  code text NOT NULL REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  qty_per_unit_of_measure numeric(38, 5) NOT NULL DEFAULT 1 CHECK (qty_per_unit_of_measure > 0),
  UNIQUE (item_number, code),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.resources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE CHECK (number <> ''),
  display_name text NOT NULL DEFAULT '',
  type text NOT NULL DEFAULT 'Person' CHECK (type IN ('Person', 'Machine')),
  base_unit_of_measure_code text REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  unit_price numeric(38, 5) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
  unit_cost numeric(38, 5) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
  capacity numeric(38, 5) NOT NULL DEFAULT 0,
  vendor_number text NOT NULL DEFAULT '',
  tax_group_code text REFERENCES erp.vat_posting_groups (code) ON UPDATE CASCADE,
  blocked boolean NOT NULL DEFAULT false,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.resource_units_of_measure (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_number text NOT NULL REFERENCES erp.resources (number) ON UPDATE CASCADE ON DELETE CASCADE,
  code text NOT NULL REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  qty_per_unit_of_measure numeric(38, 5) NOT NULL DEFAULT 1 CHECK (qty_per_unit_of_measure > 0),
  UNIQUE (resource_number, code),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- Legacy BC "Sales Price": item × (all customers | customer | price group) × currency × unit ×
-- minimum quantity × dates. currency_code NULL = local currency.
CREATE TABLE erp.sales_prices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_number text NOT NULL REFERENCES erp.items (number) ON UPDATE CASCADE ON DELETE CASCADE,
  sales_type text NOT NULL CHECK (sales_type IN ('Customer', 'Customer Price Group', 'All Customers')),
  sales_code text NOT NULL DEFAULT '',
  currency_code text REFERENCES erp.currencies (code) ON UPDATE CASCADE,
  unit_of_measure_code text REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  minimum_quantity numeric(38, 5) NOT NULL DEFAULT 0 CHECK (minimum_quantity >= 0),
  starting_date date,
  ending_date date,
  unit_price numeric(38, 5) NOT NULL CHECK (unit_price >= 0),
  CHECK ((sales_type = 'All Customers') = (sales_code = '')),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);
CREATE INDEX sales_prices_item_idx ON erp.sales_prices (item_number);

-- ---------------------------------------------------------------- sales documents
CREATE TABLE erp.sales_headers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_type text NOT NULL CHECK (document_type IN ('Quote', 'Order')),
  number text NOT NULL,
  status text NOT NULL DEFAULT 'Open' CHECK (status IN ('Open', 'Released')),
  customer_number text NOT NULL REFERENCES erp.customers (number) ON UPDATE CASCADE,
  customer_name text NOT NULL DEFAULT '',
  bill_to_customer_number text NOT NULL REFERENCES erp.customers (number) ON UPDATE CASCADE,
  bill_to_name text NOT NULL DEFAULT '',
  bill_to_address_line1 text NOT NULL DEFAULT '',
  bill_to_address_line2 text NOT NULL DEFAULT '',
  bill_to_city text NOT NULL DEFAULT '',
  bill_to_state text NOT NULL DEFAULT '',
  bill_to_country text NOT NULL DEFAULT '',
  bill_to_postal_code text NOT NULL DEFAULT '',
  ship_to_name text NOT NULL DEFAULT '',
  ship_to_contact text NOT NULL DEFAULT '',
  ship_to_address_line1 text NOT NULL DEFAULT '',
  ship_to_address_line2 text NOT NULL DEFAULT '',
  ship_to_city text NOT NULL DEFAULT '',
  ship_to_state text NOT NULL DEFAULT '',
  ship_to_country text NOT NULL DEFAULT '',
  ship_to_postal_code text NOT NULL DEFAULT '',
  document_date date NOT NULL DEFAULT current_date,
  posting_date date NOT NULL DEFAULT current_date,
  quote_valid_until_date date,
  requested_delivery_date date,
  last_shipment_date date,
  currency_code text REFERENCES erp.currencies (code) ON UPDATE CASCADE,
  currency_factor numeric(38, 15) NOT NULL DEFAULT 1 CHECK (currency_factor > 0),
  payment_terms_code text REFERENCES erp.payment_terms (code) ON UPDATE CASCADE,
  shipment_method_code text REFERENCES erp.shipment_methods (code) ON UPDATE CASCADE,
  shipping_agent_code text REFERENCES erp.shipping_agents (code) ON UPDATE CASCADE,
  salesperson_code text REFERENCES erp.salespeople (code) ON UPDATE CASCADE,
  customer_price_group_code text REFERENCES erp.customer_price_groups (code) ON UPDATE CASCADE,
  external_document_number text NOT NULL DEFAULT '',
  your_reference text NOT NULL DEFAULT '',
  quote_number text NOT NULL DEFAULT '',
  work_description text NOT NULL DEFAULT '',
  payment_discount_percent numeric(9, 4) NOT NULL DEFAULT 0,
  invoice_discount_amount numeric(38, 2) NOT NULL DEFAULT 0 CHECK (invoice_discount_amount >= 0),
  total_amount_excluding_tax numeric(38, 2) NOT NULL DEFAULT 0,
  total_tax_amount numeric(38, 2) NOT NULL DEFAULT 0,
  total_amount_including_tax numeric(38, 2) NOT NULL DEFAULT 0,
  UNIQUE (document_type, number),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);
CREATE INDEX sales_headers_customer_idx ON erp.sales_headers (customer_number);

-- Amounts are in the document currency and exclude VAT unless named "including".
CREATE TABLE erp.sales_lines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_id uuid NOT NULL REFERENCES erp.sales_headers (id) ON DELETE CASCADE,
  line_number integer NOT NULL CHECK (line_number > 0),
  line_type text NOT NULL CHECK (line_type IN ('Item', 'Resource', 'Comment')),
  number text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  attached_to_line_number integer,
  unit_of_measure_code text REFERENCES erp.units_of_measure (code) ON UPDATE CASCADE,
  qty_per_unit_of_measure numeric(38, 5) NOT NULL DEFAULT 1,
  quantity numeric(38, 5) NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  unit_price numeric(38, 5) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
  unit_cost numeric(38, 5) NOT NULL DEFAULT 0,
  line_discount_percent numeric(9, 4) NOT NULL DEFAULT 0 CHECK (line_discount_percent BETWEEN 0 AND 100),
  line_discount_amount numeric(38, 2) NOT NULL DEFAULT 0,
  inv_discount_amount numeric(38, 2) NOT NULL DEFAULT 0,
  tax_group_code text,
  tax_percent numeric(9, 4) NOT NULL DEFAULT 0,
  amount numeric(38, 2) NOT NULL DEFAULT 0,
  amount_including_tax numeric(38, 2) NOT NULL DEFAULT 0,
  requested_delivery_date date,
  ship_quantity numeric(38, 5) NOT NULL DEFAULT 0 CHECK (ship_quantity >= 0),
  invoice_quantity numeric(38, 5) NOT NULL DEFAULT 0 CHECK (invoice_quantity >= 0),
  quantity_shipped numeric(38, 5) NOT NULL DEFAULT 0,
  quantity_invoiced numeric(38, 5) NOT NULL DEFAULT 0,
  amount_invoiced numeric(38, 2) NOT NULL DEFAULT 0,
  amount_including_tax_invoiced numeric(38, 2) NOT NULL DEFAULT 0,
  UNIQUE (document_id, line_number),
  CHECK (quantity_shipped <= quantity AND quantity_invoiced <= quantity_shipped),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- ---------------------------------------------------------------- posted documents and ledgers
CREATE TABLE erp.sales_shipment_headers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  order_id uuid NOT NULL,
  order_number text NOT NULL,
  customer_number text NOT NULL,
  customer_name text NOT NULL DEFAULT '',
  posting_date date NOT NULL,
  your_reference text NOT NULL DEFAULT '',
  external_document_number text NOT NULL DEFAULT '',
  ship_to_name text NOT NULL DEFAULT '',
  shipment_method_code text,
  shipping_agent_code text,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.sales_shipment_lines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_id uuid NOT NULL REFERENCES erp.sales_shipment_headers (id) ON DELETE CASCADE,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  unit_of_measure_code text,
  quantity numeric(38, 5) NOT NULL,
  order_line_number integer NOT NULL,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

CREATE TABLE erp.sales_invoice_headers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  order_id uuid,
  order_number text NOT NULL DEFAULT '',
  quote_number text NOT NULL DEFAULT '',
  customer_number text NOT NULL,
  customer_name text NOT NULL DEFAULT '',
  bill_to_customer_number text NOT NULL,
  bill_to_name text NOT NULL DEFAULT '',
  bill_to_address_line1 text NOT NULL DEFAULT '',
  bill_to_address_line2 text NOT NULL DEFAULT '',
  bill_to_city text NOT NULL DEFAULT '',
  bill_to_state text NOT NULL DEFAULT '',
  bill_to_country text NOT NULL DEFAULT '',
  bill_to_postal_code text NOT NULL DEFAULT '',
  ship_to_name text NOT NULL DEFAULT '',
  ship_to_contact text NOT NULL DEFAULT '',
  ship_to_address_line1 text NOT NULL DEFAULT '',
  ship_to_address_line2 text NOT NULL DEFAULT '',
  ship_to_city text NOT NULL DEFAULT '',
  ship_to_state text NOT NULL DEFAULT '',
  ship_to_country text NOT NULL DEFAULT '',
  ship_to_postal_code text NOT NULL DEFAULT '',
  posting_date date NOT NULL,
  document_date date NOT NULL,
  due_date date NOT NULL,
  shipment_date date,
  currency_code text,
  currency_factor numeric(38, 15) NOT NULL DEFAULT 1,
  payment_terms_code text,
  shipment_method_code text,
  shipping_agent_code text,
  salesperson_code text,
  external_document_number text NOT NULL DEFAULT '',
  your_reference text NOT NULL DEFAULT '',
  work_description text NOT NULL DEFAULT '',
  invoice_discount_amount numeric(38, 2) NOT NULL DEFAULT 0,
  total_amount_excluding_tax numeric(38, 2) NOT NULL,
  total_tax_amount numeric(38, 2) NOT NULL,
  total_amount_including_tax numeric(38, 2) NOT NULL,
  remaining_amount numeric(38, 2) NOT NULL,
  status text NOT NULL DEFAULT 'Open' CHECK (status IN ('Open', 'Paid')),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);
CREATE INDEX sales_invoice_headers_customer_idx ON erp.sales_invoice_headers (customer_number);

CREATE TABLE erp.sales_invoice_lines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_id uuid NOT NULL REFERENCES erp.sales_invoice_headers (id) ON DELETE CASCADE,
  line_number integer NOT NULL,
  line_type text NOT NULL,
  number text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  attached_to_line_number integer,
  unit_of_measure_code text,
  quantity numeric(38, 5) NOT NULL DEFAULT 0,
  unit_price numeric(38, 5) NOT NULL DEFAULT 0,
  line_discount_percent numeric(9, 4) NOT NULL DEFAULT 0,
  line_discount_amount numeric(38, 2) NOT NULL DEFAULT 0,
  inv_discount_amount numeric(38, 2) NOT NULL DEFAULT 0,
  tax_percent numeric(9, 4) NOT NULL DEFAULT 0,
  amount numeric(38, 2) NOT NULL DEFAULT 0,
  amount_including_tax numeric(38, 2) NOT NULL DEFAULT 0,
  order_line_number integer,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- Amounts are signed as in BC: invoices positive, payments negative.
CREATE TABLE erp.customer_ledger_entries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_number bigserial UNIQUE,
  customer_number text NOT NULL REFERENCES erp.customers (number) ON UPDATE CASCADE,
  posting_date date NOT NULL,
  document_type text NOT NULL CHECK (document_type IN ('Invoice', 'Payment')),
  document_number text NOT NULL,
  description text NOT NULL DEFAULT '',
  external_document_number text NOT NULL DEFAULT '',
  currency_code text,
  amount numeric(38, 2) NOT NULL,
  amount_lcy numeric(38, 2) NOT NULL,
  sales_lcy numeric(38, 2) NOT NULL DEFAULT 0,
  remaining_amount numeric(38, 2) NOT NULL,
  remaining_amount_lcy numeric(38, 2) NOT NULL,
  due_date date NOT NULL,
  open boolean NOT NULL DEFAULT true,
  closed_at_date date,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);
CREATE INDEX customer_ledger_entries_customer_idx ON erp.customer_ledger_entries (customer_number, open);

CREATE TABLE erp.payment_applications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  payment_entry_id uuid NOT NULL REFERENCES erp.customer_ledger_entries (id),
  invoice_entry_id uuid NOT NULL REFERENCES erp.customer_ledger_entries (id),
  amount numeric(38, 2) NOT NULL,
  amount_lcy numeric(38, 2) NOT NULL,
  posting_date date NOT NULL,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- Quantities in the base unit; sales negative.
CREATE TABLE erp.item_ledger_entries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_number bigserial UNIQUE,
  item_number text NOT NULL REFERENCES erp.items (number) ON UPDATE CASCADE,
  posting_date date NOT NULL,
  entry_type text NOT NULL CHECK (entry_type IN ('Sale', 'Positive Adjmt.', 'Negative Adjmt.')),
  document_number text NOT NULL DEFAULT '',
  quantity numeric(38, 5) NOT NULL,
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

-- ---------------------------------------------------------------- archives
CREATE TABLE erp.sales_header_archives (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_type text NOT NULL CHECK (document_type IN ('Quote', 'Order')),
  document_id uuid NOT NULL,
  number text NOT NULL,
  version_number integer NOT NULL,
  customer_number text NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  archived_by text NOT NULL DEFAULT 'user',
  header jsonb NOT NULL,
  lines jsonb NOT NULL,
  UNIQUE (document_type, number, version_number),
  last_modified_at timestamptz NOT NULL DEFAULT now(),
  change_seq bigint NOT NULL DEFAULT 0,
  modified_by text NOT NULL DEFAULT 'user',
  change_xid xid8
);

SELECT erp.track(t::regclass) FROM unnest(ARRAY[
  'erp.companies', 'erp.number_series', 'erp.currencies', 'erp.currency_exchange_rates',
  'erp.general_setup', 'erp.sales_setup', 'erp.vat_posting_groups', 'erp.payment_terms',
  'erp.shipment_methods', 'erp.shipping_agents', 'erp.salespeople', 'erp.units_of_measure',
  'erp.customer_price_groups', 'erp.customers', 'erp.contacts', 'erp.items',
  'erp.item_units_of_measure', 'erp.resources', 'erp.resource_units_of_measure',
  'erp.sales_prices', 'erp.sales_headers', 'erp.sales_lines', 'erp.sales_shipment_headers',
  'erp.sales_shipment_lines', 'erp.sales_invoice_headers', 'erp.sales_invoice_lines',
  'erp.customer_ledger_entries', 'erp.payment_applications', 'erp.item_ledger_entries',
  'erp.sales_header_archives'
]) AS t;

INSERT INTO erp.general_setup DEFAULT VALUES;
INSERT INTO erp.sales_setup DEFAULT VALUES;
INSERT INTO erp.number_series (code, description, prefix, digits) VALUES
  ('CUST', 'Customers', 'C', 5),
  ('CONT', 'Contacts', 'CT', 6),
  ('ITEM', 'Items', 'I', 5),
  ('RES', 'Resources', 'R', 4),
  ('S-QUO', 'Sales quotes', 'SQ', 6),
  ('S-ORD', 'Sales orders', 'SO', 6),
  ('S-INV+', 'Posted sales invoices', 'PSI', 6),
  ('S-SHPT', 'Posted sales shipments', 'PSS', 6),
  ('PMT', 'Payments', 'PMT', 6);
