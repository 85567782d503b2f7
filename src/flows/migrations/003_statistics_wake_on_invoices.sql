-- Unposted sales invoices count in the customer statistics (Outstanding Invoices): the CUSTOMER
-- STATISTICS job, asleep after a run with nothing to do, wakes when one of them or its lines
-- changes too. Posted credit memos are customer ledger entries, which already wake it.
UPDATE integration.recurring_jobs
   SET wake_sets = wake_sets || ARRAY['draftSalesInvoices', 'draftSalesInvoiceLines']
 WHERE name = 'CUSTOMER STATISTICS' AND NOT ('draftSalesInvoices' = ANY (wake_sets));
