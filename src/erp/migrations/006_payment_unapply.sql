-- An application of a payment to an invoice can be undone (Business Central's "Unapply Entries"):
-- the application stays as history, marked with the date it was undone.
ALTER TABLE erp.payment_applications ADD COLUMN unapplied_at date;
