import type { Command } from 'commander';
import { z } from 'zod';
import {
  type Labeled,
  labeledErrorPages,
  withErpRecordLabels,
} from '../../integration/error-labels.ts';
import { shellName } from '../../integration/full-sync/line-status.ts';
import { keysetPages } from '../../integration/keyset-list.ts';
import { COUPLING_PAGE_SIZE, COUPLINGS } from '../../integration/log-lists.ts';
import { chosenSkipped, retrySkipped } from '../../integration/skipped-service.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { restoreSkipped } from '../../sync/couplings/coupling-repo.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import type { CouplingView } from '../../sync/queries.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
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
import { erpRecord, pairRecords } from './log-lines.ts';

/** The options, checked like the API checks its query (`GET …/skipped`) before anything is read. */
const options = everyRow(
  z.strictObject({ ...listOptions, all: z.boolean().optional() }),
  'all',
  'skipped record',
);

// The records as `kobling errors` names them: by number and name, a failed create as not created.
const line = (c: Labeled<CouplingView>) => {
  const error = c.lastErrorToCrm ?? c.lastErrorToErp;
  return `${c.id} ${c.mapping.padEnd(20)} ${pairRecords(c)}${error ? `: ${error}` : ''}`;
};

/** Either `--mapping M` or coupling ids, checked before anything is touched (exit 2). */
function choice(ids: readonly string[], mapping: string | undefined, verb: string) {
  if (mapping && ids.length > 0)
    throw new AppError(
      'validation_failed',
      `Give either --mapping MAPPING or coupling ids to ${verb}, not both`,
    );
  if (mapping) return { mapping };
  if (ids.length === 0)
    throw new AppError(
      'validation_failed',
      `Say which skipped records to ${verb}: --mapping MAPPING (every skipped record of it) or their coupling ids (\`kobling skipped\` lists them)`,
    );
  const bad = ids.filter((id) => !z.guid().safeParse(id).success);
  if (bad.length > 0)
    throw new AppError(
      'validation_failed',
      `Not a coupling id: ${bad.join(', ')}; \`kobling skipped\` lists the skipped records with their ids`,
    );
  return { couplingIds: ids };
}

const whose = (mapping: string | undefined) => (mapping ? ` of ${mapping}` : '');

/**
 * `kobling skipped`: the records skipped after failing twice with the same message (BC's
 * *Coupled Data Synchronization Errors*), paged like the other lists; `skipped retry` restores
 * and synchronizes them now, `skipped restore` leaves them to the mapping's next run (POST
 * …/skipped/retry, …/skipped/restore).
 */
export function registerSkipped(program: Command, cli: CliEnv): void {
  const skipped = program
    .command('skipped')
    .description(
      'Records skipped after failing twice with the same message (no regular run retries them), with the total; `skipped retry` synchronizes them now after the fix, `skipped restore` leaves them to the next run',
    )
    .option('--mapping <name>', 'only this mapping', mappingNameOf)
    .option('--top <n>', `how many (default ${COUPLING_PAGE_SIZE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'every skipped record, read page by page and printed as they come')
    .option('--json', 'print as JSON (one array, also with --all)')
    .action((raw: Record<string, unknown>) => {
      const o = checkedOptions(options, raw);
      return withRuntime(cli, async ({ ctx }) => {
        const pages = labeledErrorPages(
          ctx.db,
          keysetPages(ctx.db, COUPLINGS, {
            filter: { mapping: o.mapping, skipped: true },
            ...pagesAsk(o, o.all === true, COUPLING_PAGE_SIZE),
          }),
        );
        const { shown, total } = await printPages(cli, pages, {
          json: o.json,
          lines: (c) => [line(c)],
        });
        if (o.json) return;
        cli.out(
          listFooter(
            {
              command: `kobling skipped${mappingArg(o.mapping)}`,
              what: counted('skipped record', 'skipped records', o.mapping),
            },
            o,
            shown,
            total,
          ),
        );
        if ((total ?? shown) > 0) {
          const target = o.mapping ? `--mapping ${shellName(o.mapping)}` : 'ID…';
          cli.out(
            `After the fix: \`kobling skipped retry ${target}\` synchronizes them now; \`kobling skipped restore ${target}\` leaves them to the next run.`,
          );
        }
      });
    });

  skipped
    .command('retry [ids...]')
    .description(
      'Restore skipped records (their coupling ids, or --mapping for every one of a mapping) and synchronize them now; exits 1 when some still fail',
    )
    .option('--mapping <name>', 'every skipped record of this mapping', mappingNameOf)
    .option('--json', 'print the report as JSON')
    .action((ids: string[], _opts: unknown, command: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        // `--mapping` and `--json` are also options of `skipped`, which takes them wherever they stand.
        const opts = command.optsWithGlobals<{ mapping?: string; json?: boolean }>();
        const chosen = await chosenSkipped(ctx.db, choice(ids, opts.mapping, 'retry'));
        if (!chosen.ok) throw AppError.from(chosen.error);
        if (chosen.value.length === 0) {
          cli.out(`No skipped records${whose(opts.mapping)}: nothing retried.`);
          return;
        }
        const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
        if (!engine.ok) throw AppError.from(engine.error);
        const r = await retrySkipped(ctx.db, engine.value, chosen.value);
        if (!r.ok) throw AppError.from(r.error);
        const records = r.value.results.flatMap((x) => x.records);
        // Synchronized except fields both sides changed: those wait in the conflict inbox.
        const failed = records.filter(
          (x) => x.outcome !== 'synchronized' && x.outcome !== 'heldInInbox',
        );
        // Each still failing record by its number and name, as `kobling errors` names it.
        const labeled = opts.json
          ? []
          : await withErpRecordLabels(
              ctx.db,
              r.value.results.flatMap((x) =>
                x.records
                  .filter((f) => failed.includes(f))
                  .map((f) => ({
                    ...f,
                    erpTable: engine.value.mappings.get(x.mapping)?.erpTable ?? '',
                  })),
              ),
            );
        printResult(cli, opts.json, r.value, () => [
          `${plural(r.value.restored, 'skipped record')} restored, ${records.length - failed.length} synchronized${failed.length > 0 ? `, ${failed.length} still failing` : ''}.`,
          ...labeled.map((f) => `  ${f.outcome} ${erpRecord(f)}: ${f.message ?? f.outcome}`),
        ]);
        // A restored record keeps its last error: failing with that message again skips it
        // again at once (the same error twice); with a new message the mapping's runs retry it.
        if (failed.length > 0)
          throw new AppError(
            'sync_failed',
            `${failed.length === 1 ? '1 record still fails' : `${failed.length} records still fail`}; one failing with the same message as before is skipped again at once, one failing with a new message is retried by the mapping's runs (\`kobling errors${mappingArg(opts.mapping)}\`)`,
          );
      }),
    );

  skipped
    .command('restore [ids...]')
    .description(
      "Restore skipped records (their coupling ids, or --mapping for every one of a mapping): the mapping's next run retries them",
    )
    .option('--mapping <name>', 'every skipped record of this mapping', mappingNameOf)
    .option('--json', 'print the result as JSON')
    .action((ids: string[], _opts: unknown, command: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        const opts = command.optsWithGlobals<{ mapping?: string; json?: boolean }>();
        const chosen = await chosenSkipped(ctx.db, choice(ids, opts.mapping, 'restore'));
        if (!chosen.ok) throw AppError.from(chosen.error);
        const restored = chosen.value.length > 0 ? await restoreSkipped(ctx.db, chosen.value) : 0;
        printResult(cli, opts.json, { restored }, () => [
          restored > 0
            ? `${plural(restored, 'skipped record')} restored: the mapping's next run (\`kobling sync MAPPING\` now) retries ${agree(restored, 'it', 'them')}.`
            : `No skipped records${opts.mapping ? whose(opts.mapping) : ' among them'}: nothing restored.`,
        ]);
      }),
    );
}
