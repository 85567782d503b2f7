import type { DataverseClient } from '../../dataverse/index.ts';
import { odataGuid } from '../../dataverse/index.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { crmFailure } from './crm-session.ts';

/** The CRM tables a document flow reads: orders and quotes with their product lines. */
export type CrmDocumentEntity = 'salesorder' | 'quote';

const SETS = {
  salesorder: {
    set: 'salesorders',
    lines: 'salesorderdetails',
    parent: '_salesorderid_value',
    noun: 'sales order',
  },
  quote: { set: 'quotes', lines: 'quotedetails', parent: '_quoteid_value', noun: 'quote' },
} as const;

export const crmSetOf = (entity: CrmDocumentEntity) => SETS[entity].set;

type Row = Record<string, unknown>;

/** One product line of a CRM order or quote, as the conversion needs it. */
export interface CrmDocumentLine {
  readonly id: string;
  readonly sequence: number;
  readonly productId: string | null;
  readonly isWriteIn: boolean;
  readonly productDescription: string;
  readonly description: string;
  readonly uomId: string | null;
  readonly quantity: number;
  readonly pricePerUnit: number;
  readonly manualDiscountAmount: number;
  readonly volumeDiscountAmount: number;
  readonly baseAmount: number;
  readonly requestDeliveryBy: string | null;
}

/** A CRM order or quote with its lines. */
export interface CrmDocument {
  readonly entity: CrmDocumentEntity;
  readonly id: string;
  /** `ordernumber` or `quotenumber`. */
  readonly number: string;
  readonly name: string;
  readonly statecode: number;
  readonly statuscode: number;
  readonly revisionNumber: number;
  readonly customerId: string | null;
  readonly customerType: string | null;
  readonly customerName: string;
  readonly totalAmount: number;
  readonly currencyId: string | null;
  readonly quoteId: string | null;
  readonly lastBackOfficeSubmit: string | null;
  readonly modifiedOn: string | null;
  readonly raw: Row;
  readonly lines: readonly CrmDocumentLine[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0) || 0);

function toDocument(entity: CrmDocumentEntity, row: Row, lines: Row[]): CrmDocument {
  return {
    entity,
    id: str(row[entity === 'quote' ? 'quoteid' : 'salesorderid']).toLowerCase(),
    number: str(row[entity === 'quote' ? 'quotenumber' : 'ordernumber']),
    name: str(row.name),
    statecode: num(row.statecode),
    statuscode: num(row.statuscode),
    revisionNumber: num(row.revisionnumber),
    customerId: strOrNull(row._customerid_value)?.toLowerCase() ?? null,
    customerType: strOrNull(row['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']),
    customerName: str(row['_customerid_value@OData.Community.Display.V1.FormattedValue']),
    totalAmount: num(row.totalamount),
    currencyId: strOrNull(row._transactioncurrencyid_value)?.toLowerCase() ?? null,
    quoteId: strOrNull(row._quoteid_value)?.toLowerCase() ?? null,
    lastBackOfficeSubmit: strOrNull(row.lastbackofficesubmit),
    modifiedOn: strOrNull(row.modifiedon),
    raw: row,
    lines: lines.map(
      (l): CrmDocumentLine => ({
        id: str(l[entity === 'quote' ? 'quotedetailid' : 'salesorderdetailid']),
        sequence: num(l.sequencenumber),
        productId: strOrNull(l._productid_value)?.toLowerCase() ?? null,
        isWriteIn: l.isproductoverridden === true || !l._productid_value,
        productDescription: str(l.productdescription),
        description: str(l.description),
        uomId: strOrNull(l._uomid_value)?.toLowerCase() ?? null,
        quantity: num(l.quantity),
        pricePerUnit: num(l.priceperunit),
        manualDiscountAmount: num(l.manualdiscountamount),
        volumeDiscountAmount: num(l.volumediscountamount),
        baseAmount: num(l.baseamount),
        requestDeliveryBy: strOrNull(l.requestdeliveryby),
      }),
    ),
  };
}

// Annotations carry the customer's table (account or contact) and display names.
const LOOKUP_NAMES = { annotations: '*' } as const;

/** Reads a CRM order or quote and its lines (ordered by sequence number). */
export async function readCrmDocument(
  client: DataverseClient,
  entity: CrmDocumentEntity,
  id: string,
): Promise<Result<CrmDocument>> {
  const s = SETS[entity];
  const header = await client.retrieve<Row>(s.set, id, LOOKUP_NAMES);
  // An id that names no document is the caller's mistake, said as such (404), not a CRM failure.
  if (!header.ok && header.error.code === 'not_found')
    return failure('not_found', `No ${s.noun} with this id exists in Dynamics 365 Sales`);
  if (!header.ok) return crmFailure(`Reading ${entity} ${id}`, header.error);
  const lines = await client.collectAll<Row>(s.lines, {
    filter: `${s.parent} eq ${odataGuid(id)}`,
    orderby: ['sequencenumber asc'],
  });
  if (!lines.ok) return crmFailure(`Reading the lines of ${entity} ${id}`, lines.error);
  return ok(
    toDocument(
      entity,
      header.value,
      [...lines.value].sort((a, b) => num(a.sequencenumber) - num(b.sequencenumber)),
    ),
  );
}

/** Headers (no lines) of CRM orders or quotes matching a filter, newest first. */
export async function listCrmDocuments(
  client: DataverseClient,
  entity: CrmDocumentEntity,
  filter: string,
  top = 500,
): Promise<Result<CrmDocument[]>> {
  const r = await client.retrieveMultiple<Row>(SETS[entity].set, {
    filter,
    orderby: ['modifiedon desc'],
    top,
    ...LOOKUP_NAMES,
  });
  if (!r.ok) return crmFailure(`Listing ${SETS[entity].set}`, r.error);
  return ok(r.value.value.map((row) => toDocument(entity, row, [])));
}
