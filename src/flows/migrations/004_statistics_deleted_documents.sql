-- The CUSTOMER STATISTICS job finds whose statistics changed in the ERP's change feed, but a deleted
-- sales document (a draft invoice, an order) leaves only its id in erp.deletions: the job woke on
-- it and found no customer, so the deleted document still counted as outstanding until the
-- customer's next activity. As Business Central's integration subscribes to the Sales Header's
-- OnAfterDelete, the customers of each deleted document (quotes do not count) are kept here at the
-- deletion's change sequence, for the job to read with its activity.
CREATE TABLE integration.deleted_sales_documents (
  id bigserial PRIMARY KEY,
  document_id uuid NOT NULL,
  document_type text NOT NULL,
  customer_number text NOT NULL,
  bill_to_customer_number text NOT NULL,
  change_seq bigint NOT NULL
);
CREATE INDEX deleted_sales_documents_seq_idx ON integration.deleted_sales_documents (change_seq);

-- Named to sort after erp's track_change_delete (triggers of an event fire in name order), so the
-- deletion's change sequence is already in erp.deletions, written under the feed's writer lock.
CREATE FUNCTION integration.remember_deleted_sales_document() RETURNS trigger
LANGUAGE plpgsql AS $$
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
END $$;

CREATE TRIGGER track_deleted_sales_document AFTER DELETE ON erp.sales_headers
  FOR EACH ROW EXECUTE FUNCTION integration.remember_deleted_sales_document();
