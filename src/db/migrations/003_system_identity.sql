-- Who this database is: local files that belong to one database (the generated secret key, the
-- CRM emulator's generated client secret) are kept in a folder named after it, so two installs
-- that share a data folder but not a database never overwrite each other's files
-- (src/db/system-identity.ts).
INSERT INTO app.settings (key, value) VALUES ('systemId', to_jsonb(gen_random_uuid()::text))
ON CONFLICT (key) DO NOTHING;
