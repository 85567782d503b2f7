-- An open record error's attempts are the record's failures in its direction since it was last
-- settled (coupled or synchronized in that direction). The coupling keeps only its last result,
-- so once the record fails again the settlements between its failures cannot be read back: a
-- record that failed, was synchronized and failed again read as failed on every failure ever.
-- Each failure now stores its count when it is recorded (logRecordError,
-- src/sync/engine/job-log.ts): its record's latest failure's count + 1, or 1 when that one is
-- settled.
ALTER TABLE integration.sync_errors ADD COLUMN attempt integer NOT NULL DEFAULT 1;

-- The failures already there keep the count they were shown with (their record's failures not
-- settled now, up to each one): the settlements before them were not recorded.
UPDATE integration.sync_errors t SET attempt = c.attempt
  FROM (
    SELECT s.id, greatest(1, count(*) FILTER (WHERE NOT s.settled) OVER (
             PARTITION BY s.mapping_name, s.direction, s.source ORDER BY s.id)) AS attempt
      FROM (
        SELECT e.id, e.mapping_name, e.direction,
               CASE WHEN e.direction = 'FromIntegrationTable' THEN e.crm_id ELSE e.erp_id END AS source,
               coalesce(
                 (ce.id IS NOT NULL
                  AND coalesce(CASE WHEN e.direction = 'FromIntegrationTable' THEN ce.last_result_to_erp
                                    ELSE ce.last_result_to_crm END, 'Success') = 'Success'
                  AND (ce.created_at > e.created_at
                       OR (je.id IS NOT NULL AND je.id <> e.job_id AND je.started_at > ej.started_at)))
                 OR
                 (cc.id IS NOT NULL
                  AND coalesce(CASE WHEN e.direction = 'FromIntegrationTable' THEN cc.last_result_to_erp
                                    ELSE cc.last_result_to_crm END, 'Success') = 'Success'
                  AND (cc.created_at > e.created_at
                       OR (jc.id IS NOT NULL AND jc.id <> e.job_id AND jc.started_at > ej.started_at))),
                 false) AS settled
          FROM integration.sync_errors e
          JOIN integration.sync_jobs ej ON ej.id = e.job_id
          LEFT JOIN integration.couplings ce ON ce.erp_table = e.erp_table AND ce.erp_id = e.erp_id
          LEFT JOIN integration.sync_jobs je ON je.id = CASE WHEN e.direction = 'FromIntegrationTable'
               THEN ce.last_job_to_erp ELSE ce.last_job_to_crm END
          LEFT JOIN integration.couplings cc ON cc.crm_entity = e.crm_entity AND cc.crm_id = e.crm_id
          LEFT JOIN integration.sync_jobs jc ON jc.id = CASE WHEN e.direction = 'FromIntegrationTable'
               THEN cc.last_job_to_erp ELSE cc.last_job_to_crm END
         WHERE CASE WHEN e.direction = 'FromIntegrationTable' THEN e.crm_id ELSE e.erp_id END IS NOT NULL
      ) s
  ) c
 WHERE t.id = c.id AND t.attempt <> c.attempt;
