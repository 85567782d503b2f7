/**
 * Primary key columns of the entity sets the integration touches. Entity set names are not
 * derivable from logical names in general (`opportunities`, `transactioncurrencies`), and activity
 * tables use `activityid`, so known sets are listed and anything else falls back to a heuristic;
 * callers can always pass `primaryKey` explicitly.
 */
const KNOWN: Readonly<Record<string, string>> = {
  accounts: 'accountid',
  contacts: 'contactid',
  leads: 'leadid',
  opportunities: 'opportunityid',
  opportunityproducts: 'opportunityproductid',
  quotes: 'quoteid',
  quotedetails: 'quotedetailid',
  salesorders: 'salesorderid',
  salesorderdetails: 'salesorderdetailid',
  invoices: 'invoiceid',
  invoicedetails: 'invoicedetailid',
  products: 'productid',
  pricelevels: 'pricelevelid',
  productpricelevels: 'productpricelevelid',
  uoms: 'uomid',
  uomschedules: 'uomscheduleid',
  transactioncurrencies: 'transactioncurrencyid',
  systemusers: 'systemuserid',
  teams: 'teamid',
  businessunits: 'businessunitid',
  posts: 'postid',
  postcomments: 'postcommentid',
  annotations: 'annotationid',
  tasks: 'activityid',
  phonecalls: 'activityid',
  emails: 'activityid',
  appointments: 'activityid',
  activitypointers: 'activityid',
  territories: 'territoryid',
  competitors: 'competitorid',
  msdyn_accountkpiitems: 'msdyn_accountkpiitemid',
};

/** The primary key column of an entity set: `accounts` → `accountid`. */
export function primaryKeyOf(entitySet: string): string {
  const known = KNOWN[entitySet];
  if (known) return known;
  const singular = entitySet.endsWith('ies')
    ? `${entitySet.slice(0, -3)}y`
    : entitySet.endsWith('sses') || entitySet.endsWith('xes')
      ? entitySet.slice(0, -2)
      : entitySet.endsWith('s')
        ? entitySet.slice(0, -1)
        : entitySet;
  return `${singular}id`;
}
