-- Business Central API v2.0 sales documents carry the sell-to customer's address, phone number and
-- e-mail (sellToAddressLine1 … sellToPostCode, phoneNumber, email), copied from the customer when
-- the document is made and kept on the posted invoice and credit memo as they were.
ALTER TABLE erp.sales_headers
  ADD COLUMN sell_to_address_line1 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_address_line2 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_city text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_state text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_country text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_postal_code text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_phone_number text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_email text NOT NULL DEFAULT '';
ALTER TABLE erp.sales_invoice_headers
  ADD COLUMN sell_to_address_line1 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_address_line2 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_city text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_state text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_country text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_postal_code text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_phone_number text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_email text NOT NULL DEFAULT '';
ALTER TABLE erp.sales_cr_memo_headers
  ADD COLUMN sell_to_address_line1 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_address_line2 text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_city text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_state text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_country text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_postal_code text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_phone_number text NOT NULL DEFAULT '',
  ADD COLUMN sell_to_email text NOT NULL DEFAULT '';

-- Documents made before this migration take their customer's current values. The change-capture
-- triggers are off for it: filling a new column is not a change the sync should see.
ALTER TABLE erp.sales_headers DISABLE TRIGGER USER;
ALTER TABLE erp.sales_invoice_headers DISABLE TRIGGER USER;
ALTER TABLE erp.sales_cr_memo_headers DISABLE TRIGGER USER;
UPDATE erp.sales_headers d SET sell_to_address_line1 = c.address_line1,
       sell_to_address_line2 = c.address_line2, sell_to_city = c.city, sell_to_state = c.state,
       sell_to_country = c.country, sell_to_postal_code = c.postal_code,
       sell_to_phone_number = c.phone_number, sell_to_email = c.email
  FROM erp.customers c WHERE c.number = d.customer_number;
UPDATE erp.sales_invoice_headers d SET sell_to_address_line1 = c.address_line1,
       sell_to_address_line2 = c.address_line2, sell_to_city = c.city, sell_to_state = c.state,
       sell_to_country = c.country, sell_to_postal_code = c.postal_code,
       sell_to_phone_number = c.phone_number, sell_to_email = c.email
  FROM erp.customers c WHERE c.number = d.customer_number;
UPDATE erp.sales_cr_memo_headers d SET sell_to_address_line1 = c.address_line1,
       sell_to_address_line2 = c.address_line2, sell_to_city = c.city, sell_to_state = c.state,
       sell_to_country = c.country, sell_to_postal_code = c.postal_code,
       sell_to_phone_number = c.phone_number, sell_to_email = c.email
  FROM erp.customers c WHERE c.number = d.customer_number;
ALTER TABLE erp.sales_headers ENABLE TRIGGER USER;
ALTER TABLE erp.sales_invoice_headers ENABLE TRIGGER USER;
ALTER TABLE erp.sales_cr_memo_headers ENABLE TRIGGER USER;

-- The API's views of draft and posted documents, with the new columns.
DROP VIEW erp.sales_invoice_documents;
DROP VIEW erp.sales_credit_memo_documents;

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
       h.last_modified_at, h.change_seq, h.modified_by, h.change_xid,
       h.sell_to_address_line1, h.sell_to_address_line2, h.sell_to_city, h.sell_to_state,
       h.sell_to_country, h.sell_to_postal_code, h.sell_to_phone_number, h.sell_to_email
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
       p.remaining_amount, p.last_modified_at, p.change_seq, p.modified_by, p.change_xid,
       p.sell_to_address_line1, p.sell_to_address_line2, p.sell_to_city, p.sell_to_state,
       p.sell_to_country, p.sell_to_postal_code, p.sell_to_phone_number, p.sell_to_email
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
       h.last_modified_at, h.change_seq, h.modified_by, h.change_xid,
       h.sell_to_address_line1, h.sell_to_address_line2, h.sell_to_city, h.sell_to_state,
       h.sell_to_country, h.sell_to_postal_code, h.sell_to_phone_number, h.sell_to_email
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
       p.modified_by, p.change_xid,
       p.sell_to_address_line1, p.sell_to_address_line2, p.sell_to_city, p.sell_to_state,
       p.sell_to_country, p.sell_to_postal_code, p.sell_to_phone_number, p.sell_to_email
  FROM erp.sales_cr_memo_headers p;
