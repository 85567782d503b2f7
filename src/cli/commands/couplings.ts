import type { Command } from 'commander';
import { z } from 'zod';
import type { Labeled } from '../../integration/error-labels.ts';
import { labeledErrorPages } from '../../integration/error-labels.ts';
import { keysetPages } from '../../integration/keyset-list.ts';
import { COUPLING_PAGE_SIZE, COUPLINGS } from '../../integration/log-lists.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import type { CouplingView } from '../../sync/queries.ts';
import type { CliEnv } from '../cli-context.ts';
import {
  checkedOptions,
  counted,
  everyRow,
  listFooter,
  listOptions,
  mappingArg,
  pagesAsk,
  printPages,
} from '../paged-list.ts';
import { withRuntime } from '../runtime.ts';
import { pairRecords } from './log-lines.ts';

/** The options, checked like the API checks its query (`GET …/couplings`) before anything is read. */
const options = everyRow(
  z.strictObject({ ...listOptions, skipped: z.boolean().optional(), all: z.boolean().optional() }),
  'all',
  'coupling',
);

// A pending coupling's failed create is named as not created, as `kobling errors` names it.
const line = (c: Labeled<CouplingView>) =>
  `${c.mapping.padEnd(20)} ${pairRecords(c)}  to CRM: ${c.lastResultToCrm ?? '-'}  to ERP: ${c.lastResultToErp ?? '-'}${c.skipped ? '  SKIPPED' : ''}`;

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
    .option('--mapping <name>', 'only this mapping', mappingNameOf)
    .option('--skipped', 'only skipped records')
    .option('--top <n>', `how many (default ${COUPLING_PAGE_SIZE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'every coupling, read page by page and printed as they come')
    .option('--json', 'print as JSON (one array, also with --all)')
    .action((raw: Record<string, unknown>) => {
      const o = checkedOptions(options, raw);
      return withRuntime(cli, async ({ ctx }) => {
        // Each ERP record by its number and name (`Customer C10000 Adatum AS`), as `kobling errors`.
        const pages = labeledErrorPages(
          ctx.db,
          keysetPages(ctx.db, COUPLINGS, {
            filter: { mapping: o.mapping, ...(o.skipped ? { skipped: true } : {}) },
            ...pagesAsk(o, o.all === true, COUPLING_PAGE_SIZE),
          }),
        );
        const { shown, total } = await printPages(cli, pages, {
          json: o.json,
          lines: (c) => [line(c)],
        });
        // With --json the output is the JSON array alone, as it always was.
        if (o.json) return;
        const what = counted('coupling', 'couplings', o.mapping);
        const footer = listFooter(
          {
            command: `kobling couplings${mappingArg(o.mapping)}${o.skipped ? ' --skipped' : ''}`,
            what: (k) => `${what(k)}${o.skipped ? ' skipped' : ''}`,
          },
          o,
          shown,
          total,
        );
        cli.out(footer);
      });
    });
}
