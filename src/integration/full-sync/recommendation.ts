/** What a full synchronization review line recommends for a mapping. */
export type Recommendation = 'FullSynchronization' | 'CoupleRecords' | 'NoRecords';

const OPTION_MAPPINGS = new Set(['PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']);
const UNIT_MAPPINGS = new Set(['UNIT OF MEASURE', 'UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM']);

/**
 * Business Central's recommendation for a mapping's first synchronization, from how many records
 * each side has (docs/full-synchronization.md): records on both sides are coupled by matching
 * first, so nothing is duplicated; records on one side only are copied; nothing on either side
 * needs nothing.
 */
export function recommend(
  mapping: string,
  erpCount: number,
  crmCount: number,
  extra: { crmCurrencies?: number; crmUnitGroups?: number } = {},
): Recommendation {
  if (mapping === 'SALESPEOPLE') return 'FullSynchronization';
  if (mapping === 'CURRENCY')
    // Only the base currency in the CRM: the ERP's currencies can simply be created there.
    return (extra.crmCurrencies ?? crmCount) <= 1 ? 'FullSynchronization' : 'CoupleRecords';
  if (OPTION_MAPPINGS.has(mapping)) return erpCount === 0 ? 'NoRecords' : 'CoupleRecords';
  if (UNIT_MAPPINGS.has(mapping)) {
    const groups = extra.crmUnitGroups ?? crmCount;
    if (groups <= 1 && erpCount === 0) return 'NoRecords';
    if (erpCount > 0 && groups > 1) return 'CoupleRecords';
    return 'FullSynchronization';
  }
  if (erpCount === 0 && crmCount === 0) return 'NoRecords';
  if (erpCount > 0 && crmCount > 0) return 'CoupleRecords';
  return 'FullSynchronization';
}

/** Mappings that are parts of another line (document lines): never a line of their own. */
const CHILD_MAPPINGS = new Set(['POSTEDSALESLINE-INV', 'SOLINE-ORDERDETAIL']);

/**
 * Whether a mapping gets a review line (reference §4.2): not document lines, and not
 * SALESORDER-ORDER in the standard (one-way) order mode, where it only keeps the headers of orders
 * that came from the CRM up to date — a full synchronization would push every released ERP order.
 */
export const hasOwnLine = (m: { name: string; direction: string }): boolean =>
  !CHILD_MAPPINGS.has(m.name) &&
  !(m.name === 'SALESORDER-ORDER' && m.direction === 'ToIntegrationTable');
