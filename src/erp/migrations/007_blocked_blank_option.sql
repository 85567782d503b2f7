-- Business Central's blank value of the customer's Blocked option is a single space (" "), and
-- API clients filter on it (`blocked eq ' '`); the ERP now stores exactly that value.
ALTER TABLE erp.customers DROP CONSTRAINT IF EXISTS customers_blocked_check;
UPDATE erp.customers SET blocked = ' ' WHERE blocked = '';
ALTER TABLE erp.customers ALTER COLUMN blocked SET DEFAULT ' ';
ALTER TABLE erp.customers
  ADD CONSTRAINT customers_blocked_check CHECK (blocked IN (' ', 'Ship', 'Invoice', 'All'));
