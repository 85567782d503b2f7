import type { Command } from 'commander';
import { z } from 'zod';
import { wholeNumber } from '../../integration/api/paging.ts';
import { mappingName } from '../../integration/api/shared.ts';
import {
  COUPLING_PAGE_SIZE,
  couplingPages,
  MAX_COUPLING_PAGE_SIZE,
} from '../../integration/coupling-list.ts';
import { AppError } from '../../shared/errors.ts';
import type { CouplingView } from '../../sync/queries.ts';
import type { CliEnv } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

/** The options, checked like the API checks its query (`GET …/couplings`) before anything is read. */
const options = z
  .strictObject({
    mapping: mappingName.optional(),
    skipped: z.boolean().optional(),
    top: wholeNumber(1).optional(),
    skip: wholeNumber(0).optional(),
    all: z.boolean().optional(),
    json: z.boolean().optional(),
  })
  .refine((o) => !(o.all && (o.top !== undefined || o.skip !== undefined)), {
    message: 'lists every coupling; leave out --top and --skip',
    path: ['all'],
  });
type Options = z.output<typeof options>;

function checked(raw: Record<string, unknown>): Options {
  const parsed = options.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'validation_failed',
    parsed.error.issues.map((i) => `--${String(i.path[0] ?? '')} ${i.message}`).join('; '),
  );
}

const line = (c: CouplingView) =>
  `${c.mapping.padEnd(20)} ${c.erpTable}/${c.erpId} ⇄ ${c.crmEntity}/${c.crmId}  to CRM: ${c.lastResultToCrm ?? '-'}  to ERP: ${c.lastResultToErp ?? '-'}${c.skipped ? '  SKIPPED' : ''}`;
const n = (x: number) => x.toLocaleString('en-US');

/**
 * `kobling couplings`: a page of couplings with the total and the command for the next page, or
 * `--all` of them (pages of 1,000 read one after the other and printed as they come, so a list of
 * any length streams; with `--json` one JSON array and nothing else).
 */
export function registerCouplings(program: Command, cli: CliEnv): void {
  program
    .command('couplings')
    .description(
      'List couplings (ERP record ⇄ CRM record) by mapping and creation, with the total; --all for every one',
    )
    .option('--mapping <name>', 'only this mapping')
    .option('--skipped', 'only skipped records')
    .option('--top <n>', `how many (default ${COUPLING_PAGE_SIZE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'every coupling, read page by page and printed as they come')
    .option('--json', 'print as JSON (one array, also with --all)')
    .action((raw: Record<string, unknown>) => {
      const o = checked(raw);
      return withRuntime(cli, async ({ ctx }) => {
        const top = o.all ? undefined : (o.top ?? COUPLING_PAGE_SIZE);
        const pages = couplingPages(ctx.db, {
          filter: { mapping: o.mapping, ...(o.skipped ? { skipped: true } : {}) },
          ...(top === undefined ? {} : { top }),
          skip: o.skip ?? 0,
          pageSize: Math.min(top ?? MAX_COUPLING_PAGE_SIZE, MAX_COUPLING_PAGE_SIZE),
          count: !o.all,
        });
        let shown = 0;
        let total: number | undefined;
        if (o.json) cli.out('[');
        for await (const page of pages) {
          total ??= page.count;
          for (const c of page.value) {
            if (o.json) cli.out(`${shown > 0 ? ',' : ''}${JSON.stringify(c)}`);
            else cli.out(line(c));
            shown++;
          }
        }
        // With --json the output is the JSON array alone, as it always was.
        if (o.json) cli.out(']');
        else cli.out(summary(o, shown, total));
      });
    });
}

/** The total, and how to see the rest when this was not all of it. */
function summary(o: Options, shown: number, total: number | undefined): string {
  const what = `coupling${(total ?? shown) === 1 ? '' : 's'}${o.mapping ? ` of ${o.mapping}` : ''}${o.skipped ? ' skipped' : ''}`;
  if (total === undefined) return `${n(shown)} ${what}`;
  if (total === 0) return `No ${what}`;
  const from = o.skip ?? 0;
  if (shown === total && from === 0) return `All ${n(total)} ${what}`;
  const rows = shown === 0 ? 'none' : `${n(from + 1)}–${n(from + shown)}`;
  const head = `Rows ${rows} of ${n(total)} ${what}`;
  if (from + shown >= total) return head;
  const filters = `${o.mapping ? ` --mapping ${JSON.stringify(o.mapping)}` : ''}${o.skipped ? ' --skipped' : ''}`;
  const size = o.top === undefined ? '' : ` --top ${o.top}`;
  return `${head}; next: \`kobling couplings${filters} --skip ${from + shown}${size}\` (or --all for every one)`;
}
