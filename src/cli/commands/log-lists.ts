import type { Command } from 'commander';
import { z } from 'zod';
import { labeledErrorPages } from '../../integration/error-labels.ts';
import { keysetPages } from '../../integration/keyset-list.ts';
import { ERRORS, JOBS } from '../../integration/log-lists.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
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
import { registerJobShow } from './job-show.ts';
import { registerJobUndo } from './job-undo.ts';
import { errorLine, jobLine, SETTLED_LEGEND } from './log-lines.ts';

/** Rows of `kobling jobs` and `kobling errors` when `--top` does not say. */
const CLI_PAGE = 20;

const jobOptions = everyRow(
  z.strictObject({ ...listOptions, all: z.boolean().optional() }),
  'all',
  'job',
);
// `--all` was the history of errors before the list paged, so every page is `--all-pages`.
const errorOptions = everyRow(
  z.strictObject({ ...listOptions, all: z.boolean().optional(), allPages: z.boolean().optional() }),
  'allPages',
  'error',
);

/**
 * `kobling jobs` and `kobling errors`: a page of the synchronization log, newest first, with the
 * total and the command for the next page, or every page read in turn and printed as it comes
 * (the order the API's next links follow).
 */
export function registerLogCommands(program: Command, cli: CliEnv): void {
  const jobs = program
    .command('jobs')
    .description(
      'Synchronization jobs with their counters, newest first, with the total; --all for every one; `jobs show ID` shows one with its errors, `jobs undo ID` undoes one',
    )
    .option('--mapping <name>', 'only this mapping', mappingNameOf)
    .option('--top <n>', `how many (default ${CLI_PAGE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'every job, read page by page and printed as they come')
    .option('--json', 'print as JSON (one array, also with --all)')
    .action((raw: Record<string, unknown>) => {
      const o = checkedOptions(jobOptions, raw);
      return withRuntime(cli, async ({ ctx }) => {
        const pages = keysetPages(ctx.db, JOBS, {
          filter: { mapping: o.mapping },
          ...pagesAsk(o, o.all === true, CLI_PAGE),
        });
        const { shown, total } = await printPages(cli, pages, {
          json: o.json,
          lines: (j) => [jobLine(j)],
        });
        if (o.json) return;
        const footer = listFooter(
          {
            command: `kobling jobs${mappingArg(o.mapping)}`,
            what: counted('job', 'jobs', o.mapping),
          },
          o,
          shown,
          total,
        );
        cli.out(footer);
      });
    });
  registerJobShow(jobs, cli);
  registerJobUndo(jobs, cli);

  program
    .command('errors')
    .description(
      'Open per-record synchronization errors, newest first: one per record and direction (its latest failure and how many times it failed), until a coupling or a successful synchronization of the record settles it; --all for the history (every failure), --all-pages for every one',
    )
    .option('--mapping <name>', 'only this mapping', mappingNameOf)
    .option('--top <n>', `how many (default ${CLI_PAGE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'also errors settled since (marked "settled")')
    .option('--all-pages', 'every error, read page by page and printed as they come')
    .option('--json', 'print as JSON (one array, also with --all-pages)')
    .action((raw: Record<string, unknown>) => {
      const o = checkedOptions(errorOptions, raw);
      return withRuntime(cli, async ({ ctx }) => {
        const pages = labeledErrorPages(
          ctx.db,
          keysetPages(ctx.db, ERRORS, {
            filter: { mapping: o.mapping, all: o.all === true },
            ...pagesAsk(o, o.allPages === true, CLI_PAGE),
          }),
        );
        // The history's legend explains the settled mark, so it shows only with such a row.
        let settledShown = false;
        const { shown, total } = await printPages(cli, pages, {
          json: o.json,
          lines: (e) => {
            settledShown ||= e.settled;
            return [errorLine(e)];
          },
        });
        if (o.json) return;
        const none = (total ?? shown) === 0;
        const noun = o.all ? 'record error' : 'open record error';
        const what = counted(noun, `${noun}s`, o.mapping);
        if (!none) {
          const footer = listFooter(
            {
              command: `kobling errors${mappingArg(o.mapping)}${o.all ? ' --all' : ''}`,
              what,
              allFlag: '--all-pages',
            },
            o,
            shown,
            total,
          );
          cli.out(footer);
        }
        if (!o.all)
          cli.out(
            `${none ? `No ${what(0)}.` : 'Open errors only (not settled since).'} kobling errors --all shows the history.`,
          );
        else if (none) cli.out(`No ${what(0)}.`);
        else if (settledShown) cli.out(SETTLED_LEGEND);
      });
    });
}
