-- Unposted sales invoices and sales credit memos (Business Central's documents of type Invoice and
-- Credit Memo): they share the quote/order header and line tables. Posting an invoice writes the
-- posted invoice tables as posting an order does; posting a credit memo writes the posted credit
-- memo tables and a negative customer ledger entry, applied to the invoice it names.
ALTER TABLE erp.sales_headers DROP CONSTRAINT sales_headers_document_type_check;
ALTER TABLE erp.sales_headers ADD CONSTRAINT sales_headers_document_type_check
  CHECK (document_type IN ('Quote', 'Order', 'Invoice', 'Credit Memo'));
-- BC's "Applies-to Doc. No." of a credit memo: the posted invoice it credits.
ALTER TABLE erp.sales_headers ADD COLUMN applies_to_invoice_number text;
-- An invoice's or credit memo's due date; empty means "from the payment terms when posted".
ALTER TABLE erp.sales_headers ADD COLUMN due_date date;

ALTER TABLE erp.sales_setup ADD COLUMN invoice_nos text NOT NULL DEFAULT 'S-INV';
ALTER TABLE erp.sales_setup ADD COLUMN credit_memo_nos text NOT NULL DEFAULT 'S-CR';
ALTER TABLE erp.sales_setup ADD COLUMN posted_credit_memo_nos text NOT NULL DEFAULT 'S-CR+';
INSERT INTO erp.number_series (code, description, prefix, digits) VALUES
  ('S-INV', 'Sales invoices', 'SI', 6),
  ('S-CR', 'Sales credit memos', 'SCM', 6),
  ('S-CR+', 'Posted sales credit memos', 'PSCM', 6)
ON CONFLICT (code) DO NOTHING;

ALTER TABLE erp.customer_ledger_entries DROP CONSTRAINT customer_ledger_entries_document_type_check;
ALTER TABLE erp.customer_ledger_entries ADD CONSTRAINT customer_ledger_entries_document_type_check
  CHECK (document_type IN ('Invoice', 'Payment', 'Credit Memo'));
-- The applying entry of an application is a payment's or a credit memo's ledger entry.
COMMENT ON COLUMN erp.payment_applications.payment_entry_id IS
  'The applying entry: a Payment or a Credit Memo customer ledger entry';

-- Posted credit memos: the posted invoice's shape without the order columns, plus what it credits.
-- remaining_amount is what is not applied to an invoice yet (positive); status Paid at zero.
CREATE TABLE erp.sales_cr_memo_headers (
  LIKE erp.sales_invoice_headers INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  PRIMARY KEY (id),
  UNIQUE (number)
);
ALTER TABLE erp.sales_cr_memo_headers DROP COLUMN order_id, DROP COLUMN order_number,
  DROP COLUMN quote_number, DROP COLUMN shipment_date;
ALTER TABLE erp.sales_cr_memo_headers ADD COLUMN applies_to_invoice_number text;
CREATE INDEX sales_cr_memo_headers_customer_idx ON erp.sales_cr_memo_headers (customer_number);

CREATE TABLE erp.sales_cr_memo_lines (
  LIKE erp.sales_invoice_lines INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  PRIMARY KEY (id)
);
ALTER TABLE erp.sales_cr_memo_lines DROP COLUMN order_line_number;
ALTER TABLE erp.sales_cr_memo_lines ADD CONSTRAINT sales_cr_memo_lines_document_id_fkey
  FOREIGN KEY (document_id) REFERENCES erp.sales_cr_memo_headers (id) ON DELETE CASCADE;

SELECT erp.track(t::regclass)
  FROM unnest(ARRAY['erp.sales_cr_memo_headers', 'erp.sales_cr_memo_lines']) AS t;

-- Business Central API v2.0 lists draft and posted documents in one entity set (salesInvoices,
-- salesCreditMemos); a posted document keeps its draft's id. These views are what the API reads;
-- writes go to the draft tables through the document services.
CREATE VIEW erp.sales_invoice_documents AS
SELECT h.id, h.number, 'Draft'::text AS status, NULL::uuid AS order_id, ''::text AS order_number,
       h.quote_number, h.customer_number, h.customer_name, h.bill_to_customer_number, h.bill_to_name,
       h.bill_to_address_line1, h.bill_to_address_line2, h.bill_to_city, h.bill_to_state,
       h.bill_to_country, h.bill_to_postal_code, h.ship_to_name, h.ship_to_contact,
       h.ship_to_address_line1, h.ship_to_address_line2, h.ship_to_city, h.ship_to_state,
       h.ship_to_country, h.ship_to_postal_code, h.document_date, h.posting_date, h.due_date,
       NULL::date AS shipment_date, h.currency_code, h.currency_factor, h.payment_terms_code,
       h.shipment_method_code, h.shipping_agent_code, h.salesperson_code, h.customer_price_group_code,
       h.external_document_number, h.your_reference, h.work_description, h.invoice_discount_amount,
       h.total_amount_excluding_tax, h.total_tax_amount, h.total_amount_including_tax,
       h.total_amount_including_tax AS remaining_amount,
       h.last_modified_at, h.change_seq, h.modified_by, h.change_xid
  FROM erp.sales_headers h WHERE h.document_type = 'Invoice'
UNION ALL
SELECT p.id, p.number, p.status, p.order_id, p.order_number, p.quote_number, p.customer_number,
       p.customer_name, p.bill_to_customer_number, p.bill_to_name, p.bill_to_address_line1,
       p.bill_to_address_line2, p.bill_to_city, p.bill_to_state, p.bill_to_country,
       p.bill_to_postal_code, p.ship_to_name, p.ship_to_contact, p.ship_to_address_line1,
       p.ship_to_address_line2, p.ship_to_city, p.ship_to_state, p.ship_to_country,
       p.ship_to_postal_code, p.document_date, p.posting_date, p.due_date, p.shipment_date,
       p.currency_code, p.currency_factor, p.payment_terms_code, p.shipment_method_code,
       p.shipping_agent_code, p.salesperson_code, NULL::text, p.external_document_number,
       p.your_reference, p.work_description, p.invoice_discount_amount,
       p.total_amount_excluding_tax, p.total_tax_amount, p.total_amount_including_tax,
       p.remaining_amount, p.last_modified_at, p.change_seq, p.modified_by, p.change_xid
  FROM erp.sales_invoice_headers p;

CREATE VIEW erp.sales_credit_memo_documents AS
SELECT h.id, h.number, 'Draft'::text AS status, h.customer_number, h.customer_name,
       h.bill_to_customer_number, h.bill_to_name, h.bill_to_address_line1, h.bill_to_address_line2,
       h.bill_to_city, h.bill_to_state, h.bill_to_country, h.bill_to_postal_code, h.ship_to_name,
       h.ship_to_contact, h.ship_to_address_line1, h.ship_to_address_line2, h.ship_to_city,
       h.ship_to_state, h.ship_to_country, h.ship_to_postal_code, h.document_date, h.posting_date,
       h.due_date, h.currency_code, h.currency_factor, h.payment_terms_code, h.shipment_method_code,
       h.shipping_agent_code, h.salesperson_code, h.customer_price_group_code,
       h.external_document_number, h.your_reference, h.work_description,
       h.applies_to_invoice_number, h.invoice_discount_amount, h.total_amount_excluding_tax,
       h.total_tax_amount, h.total_amount_including_tax,
       h.total_amount_including_tax AS remaining_amount,
       h.last_modified_at, h.change_seq, h.modified_by, h.change_xid
  FROM erp.sales_headers h WHERE h.document_type = 'Credit Memo'
UNION ALL
SELECT p.id, p.number, p.status, p.customer_number, p.customer_name, p.bill_to_customer_number,
       p.bill_to_name, p.bill_to_address_line1, p.bill_to_address_line2, p.bill_to_city,
       p.bill_to_state, p.bill_to_country, p.bill_to_postal_code, p.ship_to_name, p.ship_to_contact,
       p.ship_to_address_line1, p.ship_to_address_line2, p.ship_to_city, p.ship_to_state,
       p.ship_to_country, p.ship_to_postal_code, p.document_date, p.posting_date, p.due_date,
       p.currency_code, p.currency_factor, p.payment_terms_code, p.shipment_method_code,
       p.shipping_agent_code, p.salesperson_code, NULL::text, p.external_document_number,
       p.your_reference, p.work_description, p.applies_to_invoice_number,
       p.invoice_discount_amount, p.total_amount_excluding_tax, p.total_tax_amount,
       p.total_amount_including_tax, p.remaining_amount, p.last_modified_at, p.change_seq,
       p.modified_by, p.change_xid
  FROM erp.sales_cr_memo_headers p;

-- Lines of both kinds in one shape (posted lines have no unit factor nor tax group of their own).
CREATE VIEW erp.sales_invoice_document_lines AS
SELECT l.id, l.document_id, l.line_number, l.line_type, l.number, l.description,
       l.attached_to_line_number, l.unit_of_measure_code, l.qty_per_unit_of_measure, l.quantity,
       l.unit_price, l.line_discount_percent, l.line_discount_amount, l.inv_discount_amount,
       l.tax_group_code, l.tax_percent, l.amount, l.amount_including_tax, NULL::integer AS order_line_number,
       l.last_modified_at, l.change_seq, l.modified_by, l.change_xid
  FROM erp.sales_lines l JOIN erp.sales_headers h ON h.id = l.document_id
 WHERE h.document_type = 'Invoice'
UNION ALL
SELECT p.id, p.document_id, p.line_number, p.line_type, p.number, p.description,
       p.attached_to_line_number, p.unit_of_measure_code, 1, p.quantity, p.unit_price,
       p.line_discount_percent, p.line_discount_amount, p.inv_discount_amount, NULL::text,
       p.tax_percent, p.amount, p.amount_including_tax, p.order_line_number, p.last_modified_at,
       p.change_seq, p.modified_by, p.change_xid
  FROM erp.sales_invoice_lines p;

CREATE VIEW erp.sales_credit_memo_document_lines AS
SELECT l.id, l.document_id, l.line_number, l.line_type, l.number, l.description,
       l.attached_to_line_number, l.unit_of_measure_code, l.qty_per_unit_of_measure, l.quantity,
       l.unit_price, l.line_discount_percent, l.line_discount_amount, l.inv_discount_amount,
       l.tax_group_code, l.tax_percent, l.amount, l.amount_including_tax,
       l.last_modified_at, l.change_seq, l.modified_by, l.change_xid
  FROM erp.sales_lines l JOIN erp.sales_headers h ON h.id = l.document_id
 WHERE h.document_type = 'Credit Memo'
UNION ALL
SELECT p.id, p.document_id, p.line_number, p.line_type, p.number, p.description,
       p.attached_to_line_number, p.unit_of_measure_code, 1, p.quantity, p.unit_price,
       p.line_discount_percent, p.line_discount_amount, p.inv_discount_amount, NULL::text,
       p.tax_percent, p.amount, p.amount_including_tax, p.last_modified_at, p.change_seq,
       p.modified_by, p.change_xid
  FROM erp.sales_cr_memo_lines p;
