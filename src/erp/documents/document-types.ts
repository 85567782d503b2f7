import {
  salesOrderArchives,
  salesOrderLines,
  salesOrders,
  salesQuoteArchives,
  salesQuoteLines,
  salesQuotes,
} from '../catalog/document-entities.ts';
import type { EntityDef } from '../catalog/field-types.ts';

/** The two sales documents a user edits: quotes and orders share one table, told apart by type. */
export type DocumentType = 'Quote' | 'Order';

/** The entity of a document type's header, its lines and its archived versions. */
export const headerDef = (t: DocumentType): EntityDef =>
  t === 'Quote' ? salesQuotes : salesOrders;
export const lineDef = (t: DocumentType): EntityDef =>
  t === 'Quote' ? salesQuoteLines : salesOrderLines;
export const archiveDef = (t: DocumentType): EntityDef =>
  t === 'Quote' ? salesQuoteArchives : salesOrderArchives;
