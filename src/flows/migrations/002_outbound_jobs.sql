-- The recurring jobs of the outbound lead-to-cash flows (Business Central's defaults): customer
-- statistics every 30 minutes (it sleeps as long when nothing changed), and the posted sales
-- invoice mapping's job, whose settings stay on the POSTEDSALESINV-INV mapping.
INSERT INTO integration.recurring_jobs (name, description, queue, mapping_name, interval_minutes,
    inactivity_timeout_minutes, wake_sets)
VALUES
  ('CUSTOMER STATISTICS', 'Customer Statistics - Dynamics 365 Sales synchronization job',
   'flows.customer-statistics', NULL, 30, 30,
   ARRAY['customerLedgerEntries', 'salesOrders', 'salesOrderLines', 'customers']),
  ('POSTEDSALESINV-INV', 'POSTEDSALESINV-INV - Dynamics 365 Sales synchronization job',
   'flows.posted-invoices', 'POSTEDSALESINV-INV', 30, 1440,
   ARRAY['salesInvoices'])
ON CONFLICT (name) DO NOTHING;
