-- A full synchronization line also keeps how many of the mapping's records were coupled when both
-- sides were counted: in a bidirectional line's CRM → ERP pass those records (and the ones its
-- matching couples) come back as the integration's echoes and are dropped unread, so the line's
-- expected total leaves them out (expectedTotal in src/integration/full-sync/full-sync-lines.ts).
-- Null: counted before this migration.
ALTER TABLE integration.full_sync_lines ADD COLUMN crm_coupled bigint;
