/**
 * The side of a record pair whose record does not exist yet: its create failed (or was cut off)
 * and waits to be retried with the id it chose, held by a pending coupling. That id leads nowhere
 * until the create succeeds, so lists name the record as not created instead of by it.
 */
export type NotCreated = 'crm' | 'erp' | null;

/**
 * `NotCreated` of a pair as SQL: `crm` is the coupling holding its CRM id, `erp` the one holding
 * its ERP id (one and the same for a coupling; an error joins each side's own).
 */
export const notCreatedSql = (crm: string, erp: string = crm) =>
  `CASE WHEN ${crm}.state = 'pending' AND ${crm}.pending_side = 'crm' THEN 'crm'
       WHEN ${erp}.state = 'pending' AND ${erp}.pending_side = 'erp' THEN 'erp' END`;
