/** A parameter of a bound action as `$metadata` declares it. */
export interface ActionParameter {
  readonly name: string;
  /** An Edm type or a type of the service's namespace. */
  readonly type: string;
  readonly nullable?: boolean;
}

/** A bound action (`POST …/<set>({id})/Microsoft.NAV.<name>`) on an entity set. */
export interface BoundActionDef {
  readonly set: string;
  readonly name: string;
  readonly parameters: readonly ActionParameter[];
}

const posting: readonly ActionParameter[] = [
  { name: 'postingDate', type: 'Edm.Date', nullable: true },
  { name: 'lines', type: 'Collection(Microsoft.NAV.postingLine)', nullable: true },
];

const status = (set: string) =>
  ['release', 'reopen', 'archive'].map((name) => ({ set, name, parameters: [] }));

/**
 * Every bound action the ERP API serves. The router dispatches only these and `$metadata`
 * declares exactly these, so the two cannot drift apart.
 */
export const boundActions: readonly BoundActionDef[] = [
  ...status('salesQuotes'),
  { set: 'salesQuotes', name: 'makeOrder', parameters: [] },
  ...status('salesOrders'),
  { set: 'salesOrders', name: 'ship', parameters: posting },
  { set: 'salesOrders', name: 'invoice', parameters: posting },
  { set: 'salesOrders', name: 'shipAndInvoice', parameters: posting },
  { set: 'salesInvoices', name: 'post', parameters: [] },
  { set: 'salesCreditMemos', name: 'post', parameters: [] },
  // Not in BC's API (there: "Unapply Entries" on the ledger entry); as on customerPayments.
  {
    set: 'salesCreditMemos',
    name: 'unapply',
    parameters: [{ name: 'postingDate', type: 'Edm.Date', nullable: true }],
  },
  {
    set: 'customerPayments',
    name: 'unapply',
    parameters: [{ name: 'postingDate', type: 'Edm.Date', nullable: true }],
  },
];

export const findBoundAction = (set: string, name: string): BoundActionDef | undefined =>
  boundActions.find((a) => a.set === set && a.name === name);
