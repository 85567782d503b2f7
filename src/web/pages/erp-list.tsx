import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ApiRecord, listEntityPage } from '../../erp/public-api.ts';
import { AppError } from '../../shared/errors.ts';
import { type Column, DataList, Filters, SearchInput } from '../components/list.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, type View, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

export const ERP_PAGE_SIZE = 50;

const query = z.object({
  search: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

/** A column showing a record field as text. */
export const field = (header: string, name: string, numeric = false): Column<ApiRecord> => ({
  header,
  value: (r) => r[name],
  numeric,
});

/** A column linking the record's number to its card. */
export const cardLink = (header: string, base: string, name = 'number'): Column<ApiRecord> => ({
  header,
  html: (r) => (
    <a href={`${base}/${r.id}`} safe>
      {String(r[name] ?? '')}
    </a>
  ),
});

/**
 * A searchable, paged list of an ERP entity set (documents, ledger entries). `columns` may add
 * per-row actions through `actions(view)`; `above` renders above the list (forms, banners).
 */
export function registerErpList(
  web: FastifyInstance,
  { ctx, auth }: WebDeps,
  spec: {
    path: string;
    title: string;
    set: string;
    orderby?: string;
    columns: (view: View) => Column<ApiRecord>[];
    above?: (view: View, request: FastifyRequest) => JSX.Element;
    searchHint?: string;
  },
): void {
  web.get(spec.path, async (request, reply) => {
    const q = parseInput(query, request.query);
    const view = viewOf(request, auth);
    const page = await listEntityPage(ctx.db, spec.set, {
      search: q.search,
      top: ERP_PAGE_SIZE,
      skip: (q.page - 1) * ERP_PAGE_SIZE,
      ...(spec.orderby ? { orderby: spec.orderby } : {}),
    });
    if (!page.ok) throw AppError.from(page.error);
    const id = `${spec.set}-list`;
    return sendHtml(
      reply,
      <Layout view={view} title={spec.title}>
        {spec.above ? spec.above(view, request) : ''}
        <Filters id={id} url={spec.path}>
          <SearchInput value={q.search} placeholder={spec.searchHint ?? 'No. or name'} />
        </Filters>
        <DataList
          id={id}
          url={spec.path}
          caption={spec.title}
          query={{ search: q.search }}
          columns={spec.columns(view)}
          page={{
            rows: page.value.rows,
            total: page.value.total,
            page: q.page,
            pageSize: ERP_PAGE_SIZE,
          }}
        />
      </Layout>,
    );
  });
}
