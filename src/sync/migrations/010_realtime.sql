-- Near-real-time propagation per mapping (docs/realtime.md). NULL means the default: on for
-- master-data mappings, off for documents; the scheduled job stays as the safety net either way.
ALTER TABLE integration.table_mappings ADD COLUMN realtime boolean;
