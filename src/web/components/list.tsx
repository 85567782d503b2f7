import type { Children } from '@kitajs/html';
import { escapeHtml } from '@kitajs/html';
import { display } from './card.tsx';

/** A column: `value` is shown as escaped text; `html` renders trusted markup (links, badges). */
export interface Column<Row> {
  readonly header: string;
  readonly value?: (row: Row) => unknown;
  readonly html?: (row: Row) => JSX.Element;
  readonly numeric?: boolean;
  /** Long identifiers (column names, keys) may break anywhere so the table fits its card. */
  readonly wrap?: boolean;
  /** What a short caption stands for, shown on hover (the caption is kept short to save width). */
  readonly title?: string;
  /** A class for the column's cells, header included (a width of its own in app.css). */
  readonly class?: string;
}

const classes = (...names: (string | false | undefined)[]): string | undefined =>
  names.filter(Boolean).join(' ') || undefined;

export interface ListPage<Row> {
  readonly rows: readonly Row[];
  /** Matching rows over all pages. */
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
}

/** Every row on one page: a short list read whole. */
export const onePage = <Row,>(rows: readonly Row[]): ListPage<Row> => ({
  rows,
  total: rows.length,
  page: 1,
  pageSize: Math.max(1, rows.length),
});

/** The query string of a list with one value changed (paging keeps the filters). */
export function withQuery(
  base: string,
  query: Readonly<Record<string, string | undefined>>,
  change: Record<string, string | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...change }))
    if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

/**
 * A list with server-side paging. Filters are a GET form (works without script; with htmx only
 * the list region is replaced and the address bar follows). With `select`, each row has a
 * checkbox named `ids` inside the form `selectionForm`, which the action buttons include.
 */
export function DataList<Row>(props: {
  id: string;
  url: string;
  caption: string;
  query: Readonly<Record<string, string | undefined>>;
  columns: readonly Column<Row>[];
  page: ListPage<Row>;
  select?: (row: Row) => string;
  actions?: Children;
  empty?: string;
  /** Reload the list when an action on the page changed data (default true). */
  refresh?: boolean;
}) {
  const { page } = props;
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const first = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  const link = (p: number) => withQuery(props.url, props.query, { page: String(p) });
  const selectionForm = `${props.id}-selection`;
  return (
    <div
      id={props.id}
      class="list"
      hx-get={props.refresh === false ? undefined : link(page.page)}
      hx-trigger={props.refresh === false ? undefined : 'list-changed from:body'}
      hx-select={props.refresh === false ? undefined : `#${props.id}`}
      hx-swap={props.refresh === false ? undefined : 'outerHTML'}
      hx-disinherit="*"
    >
      <form id={selectionForm}>
        {props.actions ?? ''}
        <table>
          <caption class="visually-hidden" safe>
            {props.caption}
          </caption>
          <thead>
            <tr>
              {props.select ? (
                <th scope="col" class="select">
                  <input
                    type="checkbox"
                    aria-label="Select all rows on this page"
                    data-select-all={selectionForm}
                  />
                </th>
              ) : (
                ''
              )}
              {props.columns.map((c) => (
                <th scope="col" class={classes(c.numeric && 'num', c.class)}>
                  {c.title ? (
                    <abbr title={c.title} safe>
                      {c.header}
                    </abbr>
                  ) : (
                    escapeHtml(c.header)
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page.rows.length === 0 ? (
              <tr>
                <td colspan={String(props.columns.length + (props.select ? 1 : 0))} class="empty">
                  {escapeHtml(props.empty ?? 'Nothing matches these filters.')}
                </td>
              </tr>
            ) : (
              page.rows.map((row) => (
                <tr>
                  {props.select ? (
                    <td class="select">
                      <input
                        type="checkbox"
                        name="ids"
                        value={props.select(row)}
                        aria-label="Select row"
                      />
                    </td>
                  ) : (
                    ''
                  )}
                  {props.columns.map((c) => (
                    <td class={classes(c.numeric ? 'num' : c.wrap && 'wrap', c.class)}>
                      {c.html ? c.html(row) : escapeHtml(display(c.value?.(row)))}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </form>
      <nav class="paging" aria-label="Pages">
        <span safe>
          {page.total === 0
            ? 'No rows'
            : `Rows ${first}–${last} of ${page.total.toLocaleString('en')}`}
        </span>
        {page.page > 1 ? (
          <a
            href={link(page.page - 1)}
            hx-get={link(page.page - 1)}
            hx-target={`#${props.id}`}
            hx-select={`#${props.id}`}
            hx-swap="outerHTML"
            hx-push-url="true"
            rel="prev"
          >
            ← Previous
          </a>
        ) : (
          ''
        )}
        <span safe>{`Page ${page.page} of ${pages}`}</span>
        {page.page < pages ? (
          <a
            href={link(page.page + 1)}
            hx-get={link(page.page + 1)}
            hx-target={`#${props.id}`}
            hx-select={`#${props.id}`}
            hx-swap="outerHTML"
            hx-push-url="true"
            rel="next"
          >
            Next →
          </a>
        ) : (
          ''
        )}
      </nav>
    </div>
  );
}

/** All rows of a short list on one page: no paging, no filters, no reload. */
export function StaticList<Row>(props: {
  id: string;
  caption?: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  /** What an empty list says (DataList's default when left out). */
  empty?: string;
}) {
  return (
    <DataList
      id={props.id}
      url="#"
      refresh={false}
      caption={props.caption ?? ''}
      query={{}}
      columns={props.columns}
      page={onePage(props.rows)}
      empty={props.empty}
    />
  );
}

/** A search box among a list's filters (typing reloads the list, see Filters): `search` unless named. */
export function SearchInput(props: {
  value: string | undefined;
  placeholder: string;
  name?: string;
  label?: string;
}) {
  const name = props.name ?? 'search';
  return (
    <>
      <label for={name} safe>
        {props.label ?? 'Search'}
      </label>
      <input
        id={name}
        type="search"
        name={name}
        value={props.value ?? ''}
        placeholder={props.placeholder}
      />
    </>
  );
}

/** The filter form above a list: changes reload only the list region. */
export function Filters(props: { id: string; url: string; children?: Children }) {
  return (
    <search>
      <form
        class="filters"
        method="get"
        action={props.url}
        hx-get={props.url}
        hx-target={`#${props.id}`}
        hx-select={`#${props.id}`}
        hx-swap="outerHTML"
        hx-push-url="true"
        // Its own controls only: `from:select` would listen to every select on the page, so
        // choosing a Direction in the actions bar reloaded the list and dropped the selection.
        // The search box reloads as one types; its `change` on leaving it would reload once more,
        // late enough to drop rows selected meanwhile. A newer request replaces an older one.
        hx-trigger="submit, change from:find select, input changed delay:400ms from:find input[type=search]"
        hx-sync="this:replace"
      >
        {props.children}
        <button type="submit">Apply filters</button>
      </form>
    </search>
  );
}
