-- The jobs list (GET /api/integration/v1/jobs, `kobling jobs`) pages by keyset newest first, by
-- start then id, since two jobs may share a start (src/sync/queries.ts). Without an index in that
-- order every page sorted every job (the log grows by a job per mapping and pass every few
-- minutes): at 300,000 jobs the first page took 564 ms and reading all of them 91 s; in order,
-- 5.6 ms and 3.4 s. The mapping's index gains the id, so a mapping's list reads in order too and the
-- lookups it served (the last run of a mapping) are served as before.
CREATE INDEX sync_jobs_list_order_idx ON integration.sync_jobs (started_at DESC, id DESC);
DROP INDEX integration.sync_jobs_mapping_idx;
CREATE INDEX sync_jobs_mapping_idx ON integration.sync_jobs (mapping_name, started_at DESC, id DESC);
-- The conflict inbox (GET /api/integration/v1/conflicts, `kobling conflicts`) pages open entries
-- oldest first, by detection then id; resolved and aged-out entries stay as history, so the open
-- ones get their own small index in that order (conflicts_mapping_idx serves a mapping's).
CREATE INDEX conflicts_open_order_idx ON integration.conflicts (detected_at, id) WHERE state = 'open';
