import type { Queryable } from '../../db/db.ts';
import { failure, type Result } from '../../shared/result.ts';
import type { ApiRecord, ListQuery } from '../query/list-query.ts';
import { getRecord, listRecords } from '../records/record-store.ts';
import { atomic, type DbOrTx } from '../records/transactions.ts';
import { archiveDef, type DocumentType, headerDef, lineDef } from './document-types.ts';

/** Snapshots a quote/order (header + lines, API shape) as the next version number; in `tx`. */
export async function archiveInTx(
  tx: Queryable,
  type: DocumentType,
  documentId: string,
): Promise<Result<ApiRecord>> {
  const header = await getRecord(tx, headerDef(type), documentId);
  if (!header.ok) return header;
  const lines = await listRecords(
    tx,
    lineDef(type),
    {},
    {
      sql: 't.document_id = $1',
      params: [documentId],
    },
  );
  if (!lines.ok) return lines;
  const number = header.value['number'] as string;
  const r = await tx.query<{ id: string }>(
    `INSERT INTO erp.sales_header_archives
       (document_type, document_id, number, version_number, customer_number, archived_by, header, lines)
     SELECT $1, $2, $3, coalesce(max(version_number), 0) + 1, $4,
            coalesce(nullif(current_setting('kobling.actor', true), ''), 'user'), $5, $6
       FROM erp.sales_header_archives WHERE document_type = $1 AND number = $3
     RETURNING id`,
    [
      type,
      documentId,
      number,
      header.value['customerNumber'],
      JSON.stringify(header.value),
      JSON.stringify(lines.value),
    ],
  );
  return getRecord(tx, archiveDef(type), r.rows[0]!.id);
}

/** Archives a quote or order as a new numbered version (the `archive` action). */
export function archiveDocument(
  db: DbOrTx,
  type: DocumentType,
  documentId: string,
): Promise<Result<ApiRecord>> {
  return atomic(db, async (tx) => {
    const lock = await tx.query(
      'SELECT 1 FROM erp.sales_headers WHERE id = $1 AND document_type = $2 FOR UPDATE',
      [documentId, type],
    );
    if (lock.rowCount === 0)
      return failure('not_found', `No sales ${type.toLowerCase()} ${documentId}`);
    return archiveInTx(tx, type, documentId);
  });
}

/** Archived versions of a document number (or all, filtered by OData options). */
export function listArchives(
  db: DbOrTx,
  type: DocumentType,
  q: ListQuery = {},
  number?: string,
): Promise<Result<ApiRecord[]>> {
  return listRecords(
    db,
    archiveDef(type),
    q,
    number ? { sql: 't.number = $1', params: [number] } : undefined,
  );
}

/** One archived version by its id. */
export function getArchive(db: DbOrTx, type: DocumentType, id: string) {
  return getRecord(db, archiveDef(type), id);
}

/** Whether the sales setup archives quotes (on make order) / orders (on deletion). */
export async function archiveSwitch(tx: Queryable, type: DocumentType): Promise<boolean> {
  // Business Central archives quotes and orders only.
  if (type !== 'Quote' && type !== 'Order') return false;
  const r = await tx.query<{ q: boolean; o: boolean }>(
    'SELECT archive_quotes AS q, archive_orders AS o FROM erp.sales_setup',
  );
  const row = r.rows[0];
  return row ? (type === 'Quote' ? row.q : row.o) : false;
}
