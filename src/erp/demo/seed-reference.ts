/** The demo company's salespeople: code, name, e-mail. */
export const SALESPEOPLE = [
  ['JO', 'Jim Olive', 'jim.olive@cronus.example'],
  ['LT', 'Linda Torres', 'linda.torres@cronus.example'],
  ['PS', 'Peter Saddow', 'peter.saddow@cronus.example'],
] as const;

/** Records of one entity set to insert (the demo seed buffers and bulk-inserts them). */
export type Make = (set: string, body: Record<string, unknown>) => Promise<unknown>;

/** Currencies, VAT, payment terms, shipment methods, shipping agents, salespeople, units, price groups. */
export async function referenceData(make: Make): Promise<void> {
  for (const [code, displayName, symbol] of [
    ['EUR', 'Euro', '€'],
    ['USD', 'US dollar', '$'],
    ['GBP', 'Pound sterling', '£'],
  ]) {
    await make('currencies', { code, displayName, symbol });
  }
  for (const [currencyCode, startingDate, rate] of [
    ['USD', '2025-01-01', '1.0400'],
    ['USD', '2026-01-01', '1.0800'],
    ['GBP', '2025-01-01', '0.8300'],
    ['GBP', '2026-01-01', '0.8500'],
  ]) {
    await make('currencyExchangeRates', {
      currencyCode,
      startingDate,
      exchangeRateAmount: rate,
      relationalExchangeRateAmount: 1,
    });
  }
  for (const [code, displayName, vatPercent] of [
    ['STANDARD', 'Standard rate', 25],
    ['REDUCED', 'Reduced rate', 12],
    ['ZERO', 'Exempt', 0],
  ] as const) {
    await make('taxGroups', { code, displayName, vatPercent });
  }
  for (const [code, displayName, dueDateCalculation] of [
    ['COD', 'Cash on delivery', '0D'],
    ['14D', 'Net 14 days', '14D'],
    ['30D', 'Net 30 days', '30D'],
    ['1M', 'One month', '1M'],
    ['CM', 'Current month', 'CM'],
  ]) {
    await make('paymentTerms', { code, displayName, dueDateCalculation });
  }
  for (const [code, displayName] of [
    ['EXW', 'Ex works'],
    ['FOB', 'Free on board'],
    ['CIF', 'Cost, insurance and freight'],
    ['DAP', 'Delivered at place'],
  ]) {
    await make('shipmentMethods', { code, displayName });
  }
  for (const [code, displayName, internetAddress] of [
    ['DHL', 'DHL Express', 'https://www.dhl.com'],
    ['UPS', 'UPS', 'https://www.ups.com'],
    ['OWN', 'Own fleet', ''],
  ]) {
    await make('shippingAgents', { code, displayName, internetAddress });
  }
  for (const [code, displayName, email] of SALESPEOPLE) {
    await make('salespeople', { code, displayName, email });
  }
  for (const [code, displayName] of [
    ['PCS', 'Piece'],
    ['BOX', 'Box'],
    ['PALLET', 'Pallet'],
    ['HOUR', 'Hour'],
    ['DAY', 'Day'],
  ]) {
    await make('unitsOfMeasure', { code, displayName });
  }
  for (const [code, displayName] of [
    ['RETAIL', 'Retail'],
    ['WHOLESALE', 'Wholesale'],
    ['VIP', 'Key accounts'],
  ]) {
    await make('customerPriceGroups', { code, displayName });
  }
}
