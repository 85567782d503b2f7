-- When the integration was last enabled: a mapping that never ran has its first scheduled run one
-- interval after that, not in the first minute (when the user is still coupling what it needs).
ALTER TABLE integration.connection ADD COLUMN enabled_at timestamptz;
UPDATE integration.connection SET enabled_at = updated_at WHERE enabled;

-- The CRM price list (pricelevel) that products created from items and resources are put on, as
-- Business Central's "Default CRM Price List ID": found or created at the first product insert.
ALTER TABLE integration.connection ADD COLUMN default_price_list_id uuid;

-- When the first start coupled the demo data (once; never again after users change couplings).
ALTER TABLE integration.connection ADD COLUMN demo_coupled_at timestamptz;

-- Business Central's "Item Availability Enabled": items' inventory goes to the products'
-- quantity on hand, by the ITEM-PRODUCT field mapping and by its own job.
ALTER TABLE integration.connection ADD COLUMN item_availability boolean NOT NULL DEFAULT true;
