import type { Command } from 'commander';
import { crmUnreachableNow } from '../../integration/crm-unreachable.ts';
import { settleLine } from '../../integration/full-sync/failed-records.ts';
import { heldError, holdReason } from '../../integration/full-sync/full-sync-lines.ts';
import { shellName } from '../../integration/full-sync/line-status.ts';
import { LOCK_WAIT, withMappingLock } from '../../integration/mapping-lock.ts';
import { listRealtimeMappings } from '../../integration/realtime/realtime-settings.ts';
import { skippedNote } from '../../integration/skipped-service.ts';
import { PASS_LABEL } from '../../integration/status/mapping-status.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { type PassReport, runMapping } from '../../sync/engine/run-mapping.ts';
import { mappingNameOf, noSuchMapping } from '../../sync/mappings/mapping-name.ts';
import { getMapping, listMappings } from '../../sync/mappings/mapping-repo.ts';
import { mappingStats } from '../../sync/queries.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';
import { redraws } from '../terminal.ts';
import { registerCouplings } from './couplings.ts';
import { runFullSyncCommand } from './full-sync.ts';
import { runFullSyncReview } from './full-sync-review.ts';
import { runFullSyncStop } from './full-sync-stop.ts';
import { registerLogCommands } from './log-lists.ts';
import { registerMappingRealtime } from './mapping-realtime.ts';
import { registerSkipped } from './skipped.ts';
import { checkSyncOptions } from './sync-options.ts';
import { runSyncPreview } from './sync-preview.ts';
import { nothingHappened, syncProgress } from './sync-progress.ts';

const held = (mapping: string, reason: string): never => {
  throw heldError(mapping, reason);
};

/** The mappings as columns as wide as their longest value, so long CRM table names stay aligned. */
function mappingTable(
  list: readonly {
    name: string;
    erpTable: string;
    crmEntity: string;
    direction: string;
    jobEnabled: boolean;
    jobIntervalMinutes: number;
    realtime: boolean;
    errors?: number;
    skipped?: number;
  }[],
): string[] {
  const rows = [
    ['NAME', 'ERP TABLE', 'CRM TABLE', 'DIRECTION', 'JOB', 'REAL-TIME', 'ERRORS', 'SKIPPED'],
    ...list.map((m) => [
      m.name,
      m.erpTable,
      m.crmEntity,
      m.direction,
      m.jobEnabled ? `${m.jobIntervalMinutes} min` : 'off',
      m.realtime ? 'on' : 'off',
      String(m.errors ?? 0),
      String(m.skipped ?? 0),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  // Counts align right, text left.
  return rows.map((r) =>
    r
      .map((c, i) => (i >= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd(),
  );
}

/** `kobling mappings|couplings|sync|jobs|errors`: inspect and run the integration. */
export function registerIntegrationCommands(program: Command, cli: CliEnv): void {
  const mappings = program
    .command('mappings')
    .description(
      'List the integration table mappings with their direction, schedule, real-time switch, errors and skipped records; `mappings realtime MAPPING on|off` switches real-time propagation',
    )
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      withRuntime(cli, async ({ ctx }) => {
        const stats = await mappingStats(ctx.db);
        const realtime = new Map((await listRealtimeMappings(ctx.db)).map((m) => [m.name, m]));
        const rows = (await listMappings(ctx.db)).map((m) => ({
          ...m,
          ...stats.get(m.name),
          realtime: realtime.get(m.name)?.realtime ?? false,
        }));
        printResult(cli, opts.json, rows, (list) =>
          list.length === 0
            ? [
                'No mappings yet: enable the connection (POST /api/integration/v1/connection/enable) to create the defaults.',
              ]
            : mappingTable(list),
        );
      }),
    );

  registerMappingRealtime(mappings, cli);

  registerCouplings(program, cli);

  program
    .command('sync')
    .description(
      'Synchronize the modified records of a mapping now, in this process, with progress; `kobling sync full` runs the full synchronization on the workers and follows it; exits 1 when a pass or a record failed',
    )
    .argument('<mapping>', 'the mapping (its name in any case), or full', mappingNameOf)
    .option('--json', 'print the job reports (or the full synchronization lines) as JSON')
    .option(
      '--dry-run',
      'preview: print what a run would write (create, modify, conflicts, failures) and write nothing',
    )
    .option(
      '--full',
      'with --dry-run: preview a full synchronization (every record in the filters)',
    )
    .option(
      '--restart <mapping>',
      'with `full`: restart that failed, stopped or finished (with or without failed records) line of the full synchronization and its dependent lines that failed or had failed records (they run once it has finished), then follow them',
    )
    .option(
      '--stop <mapping>',
      'with `full`: stop that pending, queued or running line of the full synchronization (a running one stops between two chunks, what it wrote stays); its dependent lines wait; `--restart` continues it where it stopped',
    )
    .option(
      '--restart-failed',
      'with `full`: restart every failed line of the full synchronization and every line that finished with failed records, then follow them',
    )
    .option(
      '--review',
      'with `full`: print the review lines (recommendation, both counts, status; before the first start the lines it would start, NotStarted) and start nothing',
    )
    .action(
      (
        name: string,
        opts: {
          json?: boolean;
          dryRun?: boolean;
          full?: boolean;
          restart?: string;
          restartFailed?: boolean;
          review?: boolean;
          stop?: string;
        },
      ) => {
        // Options that do not go together are refused before the database is opened.
        checkSyncOptions(name, opts);
        return withRuntime(cli, async (rt) => {
          if (name.toLowerCase() === 'full' && opts.review)
            return runFullSyncReview(cli, rt, opts.json);
          if (name.toLowerCase() === 'full' && opts.stop)
            return runFullSyncStop(cli, rt, { ...opts, stop: opts.stop });
          if (name.toLowerCase() === 'full') return runFullSyncCommand(cli, rt, opts);
          const { ctx } = rt;
          const m = await getMapping(ctx.db, name);
          if (!m) throw AppError.from(await noSuchMapping(ctx.db, name));
          if (opts.dryRun) return runSyncPreview(cli, rt, m, opts);
          const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
          if (!engine.ok) throw AppError.from(engine.error);
          // Like every writer of the mapping's couplings, under its lock: a scheduled run, another
          // CLI sync or a request working on the mapping is waited for, never raced.
          let progress: ReturnType<typeof syncProgress> | undefined;
          const locked = await withMappingLock(
            ctx.db,
            m.name,
            async () => {
              const reason = await holdReason(ctx.db, m.name);
              if (reason) return held(m.name, reason);
              progress = syncProgress(m.name, {
                write: (text) => process.stderr.write(text),
                live: redraws(process.stderr, cli.env),
              });
              return runMapping({ ...engine.value, onProgress: progress.onProgress }, m, {
                trigger: 'cli',
              });
            },
            {
              waitMs: LOCK_WAIT.background,
              onWait: () =>
                process.stderr.write(
                  `${m.name} is being synchronized right now; waiting for it…\n`,
                ),
            },
          );
          if (!locked.ok) throw AppError.from(locked.error);
          const reports = locked.value;
          // Nothing done: whether the CRM is down is asked once, so the words say so plainly.
          const unreachable = nothingHappened(reports)
            ? await crmUnreachableNow(ctx.db)
            : undefined;
          progress?.end(reports, unreachable);
          // Its last open failed record synchronized, the mapping's full synchronization line
          // that finished with failed records reads Finished.
          await settleLine(ctx.db, m.name, ctx.logger);
          // A run retries failed records, never skipped ones: never a bare "nothing to do" while
          // some wait for a retry by hand.
          const skipped = await skippedNote(ctx.db, m.name);
          printResult(cli, opts.json, reports, (list) => [
            ...list.map(
              (r) => `${r.direction.padEnd(21)} ${r.status.padEnd(9)} ${r.message ?? ''}`,
            ),
            ...(skipped ? [`${m.name}: ${skipped.message}`] : []),
          ]);
          if (skipped && opts.json) process.stderr.write(`${m.name}: ${skipped.message}\n`);
          if (unreachable)
            throw new AppError(
              'sync_failed',
              `Nothing synchronized: ${unreachable} (also in \`kobling jobs --mapping ${shellName(m.name)}\`)`,
            );
          failIfFailed(m.name, reports);
        });
      },
    );

  registerLogCommands(program, cli);
  registerSkipped(program, cli);
}

/**
 * A failed pass, or a record that failed in a pass, fails `kobling sync MAPPING` (exit 1, after
 * the summary), as it does `kobling sync full`: a script must see it. The reason of a failed pass
 * is its message (the job log keeps it); failed records are in the errors list.
 */
function failIfFailed(mapping: string, reports: readonly PassReport[]): void {
  const name = shellName(mapping);
  const passes = reports
    .filter((r) => r.status === 'failed')
    .map(
      (r) =>
        `The ${PASS_LABEL[r.direction]} pass of ${mapping} failed: ${r.message ?? 'no message'}`,
    );
  const records = reports.reduce((n, r) => n + r.counters.failed, 0);
  const problems = [
    ...(passes.length > 0
      ? [`${passes.join('; ')} (also in \`kobling jobs --mapping ${name}\`)`]
      : []),
    ...(records > 0
      ? [
          `${plural(records, 'record')} of ${mapping} failed (see \`kobling errors --mapping ${name}\`)`,
        ]
      : []),
  ];
  if (problems.length > 0) throw new AppError('sync_failed', problems.join('; '));
}
