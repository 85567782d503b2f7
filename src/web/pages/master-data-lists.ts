/** The master data lists: which ERP entity set, which columns, what the CRM calls the record. */
export interface MasterList {
  readonly path: string;
  readonly title: string;
  /** One record of the list, as a card's title starts: "Currency", "Salesperson". */
  readonly singular: string;
  /** ERP API entity set. */
  readonly set: string;
  /** The field naming the record (number or code). */
  readonly key: string;
  readonly columns: readonly { header: string; field: string; numeric?: boolean }[];
  /** The CRM table's name in "Create … in Dynamics 365 Sales". */
  readonly crmNoun: string;
}

export const MASTER_LISTS: readonly MasterList[] = [
  {
    path: 'customers',
    title: 'Customers',
    singular: 'Customer',
    set: 'customers',
    key: 'number',
    crmNoun: 'account',
    columns: [
      { header: 'No.', field: 'number' },
      { header: 'Name', field: 'displayName' },
      { header: 'City', field: 'city' },
      { header: 'Salesperson', field: 'salespersonCode' },
      { header: 'Currency', field: 'currencyCode' },
    ],
  },
  {
    path: 'contacts',
    title: 'Contacts',
    singular: 'Contact',
    set: 'contacts',
    key: 'number',
    crmNoun: 'contact',
    columns: [
      { header: 'No.', field: 'number' },
      { header: 'Name', field: 'displayName' },
      { header: 'Type', field: 'type' },
      { header: 'Company No.', field: 'companyNumber' },
      { header: 'Email', field: 'email' },
    ],
  },
  {
    path: 'items',
    title: 'Items',
    singular: 'Item',
    set: 'items',
    key: 'number',
    crmNoun: 'product',
    columns: [
      { header: 'No.', field: 'number' },
      { header: 'Description', field: 'displayName' },
      { header: 'Base unit', field: 'baseUnitOfMeasureCode' },
      { header: 'Unit price', field: 'unitPrice', numeric: true },
      { header: 'Inventory', field: 'inventory', numeric: true },
    ],
  },
  {
    path: 'resources',
    title: 'Resources',
    singular: 'Resource',
    set: 'resources',
    key: 'number',
    crmNoun: 'product',
    columns: [
      { header: 'No.', field: 'number' },
      { header: 'Name', field: 'displayName' },
      { header: 'Type', field: 'type' },
      { header: 'Base unit', field: 'baseUnitOfMeasureCode' },
      { header: 'Unit price', field: 'unitPrice', numeric: true },
    ],
  },
  {
    path: 'salespeople',
    title: 'Salespeople',
    singular: 'Salesperson',
    set: 'salespeople',
    key: 'code',
    crmNoun: 'user',
    columns: [
      { header: 'Code', field: 'code' },
      { header: 'Name', field: 'displayName' },
      { header: 'Email', field: 'email' },
    ],
  },
  {
    path: 'currencies',
    title: 'Currencies',
    singular: 'Currency',
    set: 'currencies',
    key: 'code',
    crmNoun: 'transaction currency',
    columns: [
      { header: 'Code', field: 'code' },
      { header: 'Description', field: 'displayName' },
      { header: 'Symbol', field: 'symbol' },
    ],
  },
  {
    path: 'units',
    title: 'Units of measure',
    singular: 'Unit of measure',
    set: 'unitsOfMeasure',
    key: 'code',
    crmNoun: 'unit group',
    columns: [
      { header: 'Code', field: 'code' },
      { header: 'Description', field: 'displayName' },
      { header: 'International code', field: 'internationalStandardCode' },
    ],
  },
];
