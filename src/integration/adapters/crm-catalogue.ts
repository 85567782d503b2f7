/**
 * What the CRM adapter must know of the Dataverse tables the default mappings use: entity set,
 * primary key, and for each lookup column the navigation property used to bind it and the
 * target's entity set. (Dataverse's $metadata has all of this; a fixed table keeps the adapter
 * independent of metadata calls and works the same against a real org and the emulator.)
 */
export interface CrmEntityInfo {
  readonly set: string;
  readonly key: string;
  /** lookup column → { nav: navigation property for @odata.bind, target: entity logical name } */
  readonly lookups: Readonly<Record<string, { nav: string; target?: string }>>;
  /** Columns Dataverse takes on create only (IsValidForUpdate = false): an update leaves them out. */
  readonly createOnly?: readonly string[];
}

const owner = { ownerid: { nav: 'ownerid' } };
const currency = {
  transactioncurrencyid: { nav: 'transactioncurrencyid', target: 'transactioncurrency' },
};

export const CRM_ENTITIES: Readonly<Record<string, CrmEntityInfo>> = {
  systemuser: { set: 'systemusers', key: 'systemuserid', lookups: {} },
  team: { set: 'teams', key: 'teamid', lookups: {} },
  transactioncurrency: { set: 'transactioncurrencies', key: 'transactioncurrencyid', lookups: {} },
  account: {
    set: 'accounts',
    key: 'accountid',
    lookups: {
      ...owner,
      ...currency,
      primarycontactid: { nav: 'primarycontactid', target: 'contact' },
      parentaccountid: { nav: 'parentaccountid', target: 'account' },
      defaultpricelevelid: { nav: 'defaultpricelevelid', target: 'pricelevel' },
      nav_accountstatisticsid: { nav: 'nav_accountstatisticsid', target: 'nav_accountstatistics' },
    },
  },
  contact: {
    set: 'contacts',
    key: 'contactid',
    lookups: {
      ...owner,
      ...currency,
      parentcustomerid: { nav: 'parentcustomerid_account', target: 'account' },
    },
  },
  uomschedule: {
    set: 'uomschedules',
    key: 'uomscheduleid',
    lookups: {},
    createOnly: ['baseuomname'],
  },
  uom: {
    set: 'uoms',
    key: 'uomid',
    lookups: { uomscheduleid: { nav: 'uomscheduleid', target: 'uomschedule' } },
    createOnly: ['uomscheduleid'],
  },
  product: {
    set: 'products',
    key: 'productid',
    lookups: {
      ...currency,
      defaultuomscheduleid: { nav: 'defaultuomscheduleid', target: 'uomschedule' },
      defaultuomid: { nav: 'defaultuomid', target: 'uom' },
      pricelevelid: { nav: 'pricelevelid', target: 'pricelevel' },
    },
    createOnly: ['productstructure', 'parentproductid'],
  },
  pricelevel: {
    set: 'pricelevels',
    key: 'pricelevelid',
    lookups: { ...currency },
    createOnly: ['transactioncurrencyid'],
  },
  productpricelevel: {
    set: 'productpricelevels',
    key: 'productpricelevelid',
    lookups: {
      ...currency,
      pricelevelid: { nav: 'pricelevelid', target: 'pricelevel' },
      productid: { nav: 'productid', target: 'product' },
      uomid: { nav: 'uomid', target: 'uom' },
      uomscheduleid: { nav: 'uomscheduleid', target: 'uomschedule' },
    },
    createOnly: ['pricelevelid'],
  },
  opportunity: {
    set: 'opportunities',
    key: 'opportunityid',
    lookups: {
      ...owner,
      ...currency,
      parentcontactid: { nav: 'parentcontactid', target: 'contact' },
      parentaccountid: { nav: 'parentaccountid', target: 'account' },
    },
  },
  salesorder: {
    set: 'salesorders',
    key: 'salesorderid',
    lookups: {
      ...owner,
      ...currency,
      customerid: { nav: 'customerid_account', target: 'account' },
      opportunityid: { nav: 'opportunityid', target: 'opportunity' },
      pricelevelid: { nav: 'pricelevelid', target: 'pricelevel' },
    },
    createOnly: ['transactioncurrencyid'],
  },
  invoice: {
    set: 'invoices',
    key: 'invoiceid',
    lookups: {
      ...owner,
      ...currency,
      customerid: { nav: 'customerid_account', target: 'account' },
      salesorderid: { nav: 'salesorderid', target: 'salesorder' },
      opportunityid: { nav: 'opportunityid', target: 'opportunity' },
      pricelevelid: { nav: 'pricelevelid', target: 'pricelevel' },
    },
    createOnly: ['transactioncurrencyid'],
  },
  invoicedetail: {
    set: 'invoicedetails',
    key: 'invoicedetailid',
    lookups: {
      ...currency,
      invoiceid: { nav: 'invoiceid', target: 'invoice' },
      productid: { nav: 'productid', target: 'product' },
      uomid: { nav: 'uomid', target: 'uom' },
    },
    createOnly: ['invoiceid', 'isproductoverridden'],
  },
  nav_accountstatistics: {
    set: 'nav_accountstatisticses',
    key: 'nav_accountstatisticsid',
    lookups: { ...currency },
  },
};

/** Columns that only type a polymorphic lookup; binding the lookup sets them. */
export const TYPE_COLUMNS = new Set(['owneridtype', 'parentcustomeridtype', 'customeridtype']);
