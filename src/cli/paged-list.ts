import { z } from 'zod';
import { wholeNumber } from '../integration/api/paging.ts';
import { mappingName } from '../integration/api/shared.ts';
import { MAX_PAGE_SIZE } from '../integration/keyset-list.ts';
import { AppError } from '../shared/errors.ts';
import type { CliEnv } from './cli-context.ts';

/**
 * What the list commands (`kobling couplings`, `jobs`, `errors`, `conflicts`) share: their paging
 * options checked like the API checks its query, the pages printed as they come, and the footer
 * with the total and the command for the next page.
 */

/** The options of a paged list command, before its own. */
export const listOptions = {
  mapping: mappingName.optional(),
  top: wholeNumber(1).optional(),
  skip: wholeNumber(0).optional(),
  json: z.boolean().optional(),
};

/** `schema` refusing `--top` and `--skip` with `flag`, which lists every row. */
export function everyRow<T extends { top?: number | undefined; skip?: number | undefined }>(
  schema: z.ZodType<T>,
  flag: keyof T & string,
  what: string,
): z.ZodType<T> {
  return schema.refine(
    (o) => !(o[flag] === true && (o.top !== undefined || o.skip !== undefined)),
    { message: `lists every ${what}; leave out --top and --skip`, path: [flag] },
  );
}

/** The options checked by `schema`, or validation_failed naming each bad option (exit 2). */
export function checkedOptions<T>(schema: z.ZodType<T>, raw: Record<string, unknown>): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'validation_failed',
    parsed.error.issues.map((i) => `--${kebab(String(i.path[0] ?? ''))} ${i.message}`).join('; '),
  );
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * What a list command reads: the page `--top` (by default `defaultTop`) after `--skip`, or every
 * page when `every`, in pages of at most MAX_PAGE_SIZE; counted unless every one is read.
 */
export function pagesAsk(
  o: { top?: number | undefined; skip?: number | undefined },
  every: boolean,
  defaultTop: number,
) {
  const top = every ? undefined : (o.top ?? defaultTop);
  return {
    ...(top === undefined ? {} : { top }),
    skip: o.skip ?? 0,
    pageSize: Math.min(top ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
    count: !every,
  };
}

interface PageLike<V> {
  readonly value: readonly V[];
  readonly count?: number;
}

/**
 * Prints pages as they are read: each row as text lines, or with `json` one JSON value (an array
 * of the rows unless `jsonAround` wraps them) and nothing else. `head` prints text lines before
 * the first row. Answers the rows shown and the first page's count.
 */
export async function printPages<P extends PageLike<unknown>>(
  cli: CliEnv,
  pages: AsyncIterable<P>,
  o: {
    json?: boolean | undefined;
    lines: (row: P['value'][number]) => string[];
    head?: (first: P) => string[];
    jsonAround?: (first: P) => [string, string];
  },
): Promise<{ shown: number; total?: number }> {
  let shown = 0;
  let total: number | undefined;
  let close = ']';
  let first = true;
  for await (const page of pages) {
    if (first) {
      first = false;
      total = page.count;
      const [open, end] = o.jsonAround?.(page) ?? ['[', ']'];
      close = end;
      if (o.json) cli.out(open);
      else for (const line of o.head?.(page) ?? []) cli.out(line);
    }
    for (const row of page.value) {
      if (o.json) cli.out(`${shown > 0 ? ',' : ''}${JSON.stringify(row)}`);
      else for (const line of o.lines(row)) cli.out(line);
      shown++;
    }
  }
  if (o.json) cli.out(close);
  return { shown, ...(total === undefined ? {} : { total }) };
}

/** What a list's footer says and the next command it suggests. */
export interface FooterAsk {
  /** The command as typed, with the options that filter it (`kobling jobs --mapping "CUSTOMER"`). */
  readonly command: string;
  /** The rows, by how many there are (`3 jobs of CUSTOMER`, `1 job`). */
  readonly what: (n: number) => string;
  /** The flag that lists every row (`--all` unless it says). */
  readonly allFlag?: string;
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * The total, and how to see the rest when this was not all of it (from the `--top` and `--skip`
 * given): `Rows 1–20 of 57 jobs; next: …` (`Row 3 of 3 jobs`, `1 job`). Without a total (every
 * row listed), how many there were. An empty list is a sentence, as every CLI's "No …." is
 * (`No skipped records of CUSTOMER.`).
 */
export function listFooter(
  f: FooterAsk,
  o: { top?: number | undefined; skip?: number | undefined },
  shown: number,
  total: number | undefined,
): string {
  const what = f.what(total ?? shown);
  if ((total ?? shown) === 0) return `No ${what}.`;
  if (total === undefined) return `${n(shown)} ${what}`;
  const from = o.skip ?? 0;
  // "All 1 job" is no English: one row is just "1 job".
  if (shown === total && from === 0) return `${total === 1 ? '' : 'All '}${n(total)} ${what}`;
  const rows =
    shown === 0
      ? 'Rows none'
      : shown === 1
        ? `Row ${n(from + 1)}`
        : `Rows ${n(from + 1)}–${n(from + shown)}`;
  const head = `${rows} of ${n(total)} ${what}`;
  if (from + shown >= total) return head;
  const size = o.top === undefined ? '' : ` --top ${o.top}`;
  return `${head}; next: \`${f.command} --skip ${from + shown}${size}\` (or ${f.allFlag ?? '--all'} for every one)`;
}

/** `noun` or its plural by `count`, with ` of MAPPING` when filtered by one. */
export const counted =
  (noun: string, plural: string, mapping: string | undefined) =>
  (count: number): string =>
    `${count === 1 ? noun : plural}${mapping ? ` of ${mapping}` : ''}`;

/** The `--mapping` option as the next command repeats it. */
export const mappingArg = (mapping: string | undefined) =>
  mapping ? ` --mapping ${JSON.stringify(mapping)}` : '';
