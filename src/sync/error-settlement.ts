/**
 * SQL fragments of a record error's settlement, shared by the read model (error-queries.ts) and
 * the statement that records a failure (logRecordError, engine/job-log.ts), which starts a new
 * count of attempts when the record's failure before it is settled.
 */

/**
 * The record an error is about: the source record of the pass (the ERP record going to the CRM,
 * the CRM record coming to the ERP). With the mapping and the direction it keys a record's
 * failures (sync_errors_source_record_idx, the same expression); an error naming no source record
 * stands alone.
 */
export const source = (e: string) =>
  `(CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${e}.crm_id ELSE ${e}.erp_id END)`;

/**
 * An error is settled when its record was coupled after it, or synchronized in the error's
 * direction by a later pass, and has not failed in that direction since: the record is fine now.
 * The errors stay (the history); lists show open ones. The record's coupling is joined by either
 * identity (plain joins, not a correlated EXISTS with an OR: index look-ups for a page, hash joins
 * for a count). `e` names the error; its joins are `e_j` (its job), `e_ce`/`e_je` (the coupling
 * of its ERP record, that coupling's last job in the error's direction), `e_cc`/`e_jc` (CRM).
 * The coupling keeps only its last result, so settlement is read from it as it is now: a record
 * failing again unsettles its earlier failures (which is why the attempts are counted when a
 * failure is recorded, not read back).
 */
const lastJob = (e: string, c: string) =>
  `CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${c}.last_job_to_erp ELSE ${c}.last_job_to_crm END`;
export const withCouplings = (e: string) => `integration.sync_errors ${e}
  JOIN integration.sync_jobs ${e}_j ON ${e}_j.id = ${e}.job_id
  LEFT JOIN integration.couplings ${e}_ce ON ${e}_ce.erp_table = ${e}.erp_table AND ${e}_ce.erp_id = ${e}.erp_id
  LEFT JOIN integration.sync_jobs ${e}_je ON ${e}_je.id = ${lastJob(e, `${e}_ce`)}
  LEFT JOIN integration.couplings ${e}_cc ON ${e}_cc.crm_entity = ${e}.crm_entity AND ${e}_cc.crm_id = ${e}.crm_id
  LEFT JOIN integration.sync_jobs ${e}_jc ON ${e}_jc.id = ${lastJob(e, `${e}_cc`)}`;
const settledBy = (e: string, c: string, j: string) =>
  `(${c}.id IS NOT NULL
    AND coalesce(CASE WHEN ${e}.direction = 'FromIntegrationTable' THEN ${c}.last_result_to_erp
          ELSE ${c}.last_result_to_crm END, 'Success') = 'Success'
    AND (${c}.created_at > ${e}.created_at
         OR (${j}.id IS NOT NULL AND ${j}.id <> ${e}.job_id AND ${j}.started_at > ${e}_j.started_at)))`;
export const settled = (e: string) =>
  `(${settledBy(e, `${e}_ce`, `${e}_je`)} OR ${settledBy(e, `${e}_cc`, `${e}_jc`)})`;

/**
 * `settled(e)` for an error of a known direction, as a condition on `e` alone (a correlated
 * look-up of its record's couplings by either identity): what recording a failure asks of the
 * record's latest one before it. The joins of `withCouplings` cost about 2.5 ms to plan for the
 * one row, twenty times the look-up itself; this is planned in a fraction of that.
 */
export const settledIn = (e: string, direction: 'ToIntegrationTable' | 'FromIntegrationTable') => {
  const [result, job] =
    direction === 'FromIntegrationTable'
      ? ['last_result_to_erp', 'last_job_to_erp']
      : ['last_result_to_crm', 'last_job_to_crm'];
  return `EXISTS (
    SELECT 1 FROM integration.couplings c LEFT JOIN integration.sync_jobs cj ON cj.id = c.${job}
     WHERE ((c.erp_table = ${e}.erp_table AND c.erp_id = ${e}.erp_id)
            OR (c.crm_entity = ${e}.crm_entity AND c.crm_id = ${e}.crm_id))
       AND coalesce(c.${result}, 'Success') = 'Success'
       AND (c.created_at > ${e}.created_at
            OR (cj.id IS NOT NULL AND cj.id <> ${e}.job_id
                AND cj.started_at > (SELECT started_at FROM integration.sync_jobs WHERE id = ${e}.job_id))))`;
};
