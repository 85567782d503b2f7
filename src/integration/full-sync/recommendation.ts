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

/**
 * Mappings that are parts of another line (document lines): never a line of their own. Each with
 * the header's mapping its records are synchronized with.
 */
const CHILD_MAPPINGS = new Map([
  ['POSTEDSALESLINE-INV', 'POSTEDSALESINV-INV'],
  ['SOLINE-ORDERDETAIL', 'SALESORDER-ORDER'],
]);

/**
 * Whether a mapping gets a review line (reference §4.2): not document lines, and not
 * SALESORDER-ORDER in the standard (one-way) order mode, where it only keeps the headers of orders
 * that came from the CRM up to date — a full synchronization would push every released ERP order.
 */
export const hasOwnLine = (m: { name: string; direction: string }): boolean =>
  !CHILD_MAPPINGS.has(m.name) &&
  !(m.name === 'SALESORDER-ORDER' && m.direction === 'ToIntegrationTable');

/**
 * Why an existing mapping has no full synchronization line, and what to do instead: the answer of
 * a restart of it, the same in the API and the CLI. `started`: whether any line is stored (a
 * *Start* has run).
 */
export function noLineMessage(m: { name: string; direction: string }, started: boolean): string {
  const none = `No full synchronization line for mapping '${m.name}'`;
  const header = CHILD_MAPPINGS.get(m.name);
  if (header)
    return `${none}: it maps document lines, which are synchronized with their header's mapping, ${header}, never in a line of their own`;
  if (!hasOwnLine(m))
    return `${none}: in the standard order mode it gets none, since it only keeps the headers of orders that came from Dynamics 365 Sales up to date (a full synchronization would send every released ERP order); its regular job does that: \`kobling sync ${m.name}\` (POST …/tableMappings/${m.name}/runNow) runs it now`;
  return started
    ? `${none} yet: the mapping came after the last start; \`kobling sync full\` (POST …/fullSync/start) writes its line and starts it`
    : `${none}: no full synchronization has been started yet; \`kobling sync full\` (POST …/fullSync/start) starts it`;
}
