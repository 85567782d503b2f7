import { ok, type Result } from '../../shared/result.ts';
import type { EngineContext } from '../../sync/engine/context.ts';
import type { CrmChangePage } from '../../sync/ports.ts';

/**
 * The engine's view with some uncoupled records left out: the ERP records and CRM rows that
 * matching found ambiguous are neither created on the other side nor read as changes, so a full
 * synchronization never adds one more look-alike next to records a person has to couple.
 */
export function withoutRecords(
  ctx: EngineContext,
  held: { readonly erpIds: ReadonlySet<string>; readonly crmIds: ReadonlySet<string> },
): EngineContext {
  if (held.erpIds.size === 0 && held.crmIds.size === 0) return ctx;
  const { erp, crm } = ctx;
  return {
    ...ctx,
    erp: {
      ...erp,
      changedSince: async (table, afterSeq, limit) => {
        const page = await erp.changedSince(table, afterSeq, limit);
        return { ...page, records: page.records.filter((r) => !held.erpIds.has(r.id)) };
      },
    },
    crm: {
      ...crm,
      changes: async (entity, watermark) => {
        const r = await crm.changes(entity, watermark);
        if (!r.ok) return r;
        return {
          ...r,
          value: { ...r.value, rows: r.value.rows.filter((x) => !held.crmIds.has(x.id)) },
        };
      },
      changePages: (entity, watermark) =>
        withoutRows(crm.changePages(entity, watermark), held.crmIds),
    },
  };
}

async function* withoutRows(
  pages: AsyncIterable<Result<CrmChangePage>>,
  ids: ReadonlySet<string>,
): AsyncGenerator<Result<CrmChangePage>> {
  for await (const page of pages)
    yield page.ok
      ? ok({ ...page.value, rows: page.value.rows.filter((r) => !ids.has(r.id)) })
      : page;
}
