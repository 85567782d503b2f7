import type { Command } from 'commander';
import { z } from 'zod';
import { labeledErrorPages } from '../../integration/error-labels.ts';
import { keysetPages, MAX_PAGE_SIZE } from '../../integration/keyset-list.ts';
import { ERRORS } from '../../integration/log-lists.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { listJobs } from '../../sync/queries.ts';
import type { CliEnv } from '../cli-context.ts';
import { printPages } from '../paged-list.ts';
import { withRuntime } from '../runtime.ts';
import { errorLine, jobLine, SETTLED_LEGEND } from './log-lines.ts';

/**
 * `kobling jobs show ID [--json]`: one job and every error of it (every failure, settled ones
 * marked), each naming its ERP record as `kobling errors` does; `--json` answers what
 * `GET /jobs/{id}` answers, without its 1,000-error cap (the errors are read page by page).
 */
export function registerJobShow(jobs: Command, cli: CliEnv): void {
  jobs
    .command('show <id>')
    .description(
      'One synchronization job with its counters and its record errors, each naming its ERP record by number and name',
    )
    .option('--json', 'print the job as JSON, with its errors')
    .action((id: string, _opts: unknown, command: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        // `--json` is also an option of `jobs`, which takes it wherever it stands.
        const { json } = command.optsWithGlobals<{ json?: boolean }>();
        if (!z.guid().safeParse(id).success)
          throw new AppError('validation_failed', `'${id}' is not a job id; see \`kobling jobs\``);
        const [job] = await listJobs(ctx.db, { id, top: 1, skip: 0 });
        if (!job) throw new AppError('not_found', `No synchronization job ${id}`);
        const pages = labeledErrorPages(
          ctx.db,
          keysetPages(ctx.db, ERRORS, {
            filter: { jobId: id, all: true },
            skip: 0,
            pageSize: MAX_PAGE_SIZE,
            count: false,
          }),
        );
        let settledShown = false;
        const { shown } = await printPages(cli, pages, {
          json,
          lines: (e) => {
            settledShown ||= e.settled;
            return [`  ${errorLine(e)}`];
          },
          head: (first) => [jobLine(job), ...(first.value.length > 0 ? ['Errors:'] : [])],
          // The job's fields with its errors, as the API's job answers.
          jsonAround: () => [`${JSON.stringify(job).slice(0, -1)},"errors":[`, ']}'],
        });
        if (json) return;
        if (shown === 0) cli.out('No record failed in this job.');
        else cli.out(`${plural(shown, 'record error')} in this job`);
        if (settledShown) cli.out(SETTLED_LEGEND);
      }),
    );
}
