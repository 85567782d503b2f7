-- Every pass of a mapping under policy `ask` ends by counting the records it held in the conflict
-- inbox (countHeld in src/sync/engine/job-log.ts), real-time runs included: the open entries by job.
CREATE INDEX conflicts_open_job_idx ON integration.conflicts (job_id) WHERE state = 'open';
