import type { Db } from '../db/db.ts';
import type { NotCreated } from '../sync/couplings/not-created.ts';
import { type ErrorView, listErrors } from '../sync/queries.ts';
import { readNames } from '../sync/record-names.ts';
import { integrationEntities } from './adapters/erp-integration-entities.ts';
import { erpPort } from './adapters/erp-port.ts';
import type { Page } from './keyset-list.ts';

/** A row with how users know its ERP record (`C10000 Adatum AS`), when it can be read. */
export type Labeled<T> = T & { readonly erpRecordLabel?: string };
/** A record pair as an error and a coupling (a skipped record) name it, labelled. */
export type RecordPair = Labeled<{
  erpTable: string;
  erpId: string | null;
  crmEntity: string;
  crmId: string | null;
  notCreated: NotCreated;
}>;
/** A record error with its ERP record's label. */
export type LabeledError = Labeled<ErrorView>;
/** What a row needs to be labelled: the ERP record it names, if any. */
type ErpRecordRef = { readonly erpTable: string; readonly erpId: string | null };

/**
 * The rows of a page (errors, skipped records) with their ERP records' number and name: one read
 * per ERP table on the page (the ERP port's read by id), never one per row. A record deleted
 * since, one without a number or name, or a row naming no ERP record gets no label.
 */
export async function withErpRecordLabels<T extends ErpRecordRef>(
  db: Db,
  errors: readonly T[],
): Promise<Labeled<T>[]> {
  // A table no mapping reads any more (an old error) has nothing to read it by.
  const readable = (e: T) => e.erpId !== null && integrationEntities.has(e.erpTable);
  const refs = errors
    .filter(readable)
    .map((e) => ({ side: 'erp' as const, table: e.erpTable, id: e.erpId as string }));
  if (refs.length === 0) return [...errors];
  const names = await readNames({ erp: erpPort(db) }, refs);
  return errors.map((e) => {
    const label = readable(e) ? names('erp', e.erpTable, e.erpId as string) : undefined;
    // readNames answers the id for a record with no name fields: that is no label.
    return label && label !== e.erpId ? { ...e, erpRecordLabel: label } : e;
  });
}

/** Pages of errors or skipped records, each labelled as it comes (`kobling errors`, `kobling skipped`). */
export async function* labeledErrorPages<T extends ErpRecordRef, K>(
  db: Db,
  pages: AsyncIterable<Page<T, K>>,
): AsyncGenerator<Page<Labeled<T>, K>> {
  for await (const page of pages)
    yield { ...page, value: await withErpRecordLabels(db, page.value) };
}

/** The most errors a job's page and `GET /jobs/{id}` show (the errors list pages through more). */
export const JOB_ERRORS_SHOWN = 1000;

/**
 * A job's errors, every failure (settled ones saying so), newest first, each with its ERP
 * record's label as the errors list has it (the job's page, `GET /jobs/{id}`).
 */
export async function labeledJobErrors(db: Db, jobId: string): Promise<LabeledError[]> {
  const errors = await listErrors(db, { jobId, all: true, top: JOB_ERRORS_SHOWN, skip: 0 });
  return withErpRecordLabels(db, errors);
}
