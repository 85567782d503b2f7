-- `$filter=modifiedon gt …` is how integrations poll for changes; detail lines are read by parent.
CREATE INDEX records_entity_modified_idx ON crm.records (entity, modified_on);
CREATE INDEX records_parent_document_idx ON crm.records (
  entity,
  (coalesce(data->>'_quoteid_value', data->>'_salesorderid_value', data->>'_invoiceid_value'))
) WHERE entity IN ('quotedetail', 'salesorderdetail', 'invoicedetail');
