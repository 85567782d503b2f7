-- A pass under policy `ask` ends by counting what it wrote back to its own source side
-- (countWrittenBack in src/sync/engine/job-log.ts). Through the index on the job alone that read
-- every history row of the job: 380 ms after a full synchronization of 100,000 customers, whose
-- rows are all on the other side. With the side in the index it reads only the write-backs. The
-- index still serves every lookup by job alone, and a history insert writes no more indexes.
CREATE INDEX write_history_job_side_idx ON integration.write_history (job_id, side);
DROP INDEX integration.write_history_job_idx;
