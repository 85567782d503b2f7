import type { Command } from 'commander';
import { crmHealth } from '../../integration/health/crm-health.ts';
import {
  integrationStatus,
  type MappingStatus,
  PASS_LABEL,
  runResult,
} from '../../integration/status/mapping-status.ts';
import { plural } from '../../shared/plural.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { openOneShot } from '../runtime.ts';

const ago = (iso: string | undefined, now: number): string => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
};

const lag = (m: MappingStatus): string =>
  m.lagSeconds === null
    ? '-'
    : m.lagSeconds < 120
      ? `${m.lagSeconds.toFixed(1)} s`
      : `${Math.round(m.lagSeconds / 60)} min`;

/**
 * failed when the last pass of either direction failed (the list above the table says which); a
 * pass a shutdown or a stop cut reads interrupted or stopped.
 */
const result = (m: MappingStatus): string =>
  m.directions.some((d) => d.consecutiveFailures > 0)
    ? 'failed'
    : m.lastRun
      ? runResult(m.lastRun)
      : '-';

/** Every direction whose last pass failed, with why: what to look at before the table. */
const failing = (mappings: readonly MappingStatus[], now: number): string[] =>
  mappings.flatMap((m) =>
    m.directions.flatMap((d) =>
      d.lastFailure && d.consecutiveFailures > 0
        ? [
            `  ${m.mapping} ${PASS_LABEL[d.direction]} failed ${ago(d.lastFailure.startedAt, now)}${d.consecutiveFailures > 1 ? ` (${d.consecutiveFailures} in a row)` : ''}: ${d.lastFailure.message ?? 'no message'}`,
          ]
        : [],
    ),
  );

/** `kobling status`: every mapping's state, lag, last run and errors on one screen. */
export function registerStatus(program: Command, cli: CliEnv): void {
  program
    .command('status')
    .description(
      "One screen of the integration: every mapping's state, ERP backlog and lag, last run, errors, and warnings",
    )
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rt = await openOneShot(cli);
      try {
        const status = await integrationStatus(
          rt.ctx.db,
          rt.ctx.clock,
          await crmHealth({ ...rt.ctx }),
        );
        const now = rt.ctx.clock.now().getTime();
        printResult(cli, opts.json, status, (s) => {
          const failed = failing(s.mappings, now);
          return [
            `Connection  ${s.connection.enabled ? `enabled (${s.connection.crmUrl}; ${s.connection.crm === 'ok' ? 'answers' : s.connection.crm === 'failing' ? 'does not answer' : s.connection.crm})` : 'not enabled'}`,
            ...(s.warnings.length > 0
              ? [
                  '',
                  `${plural(s.warnings.length, 'warning')}:`,
                  ...s.warnings.map((w) => `  ! ${w}`),
                ]
              : ['No warnings.']),
            ...(failed.length > 0 ? ['', 'Last pass failed:', ...failed] : []),
            '',
            `${'MAPPING'.padEnd(20)} ${'STATE'.padEnd(8)} ${'RT'.padEnd(3)} ${'LAST RUN'.padEnd(14)} ${'RESULT'.padEnd(10)} ${'BACKLOG'.padStart(7)} ${'LAG'.padStart(8)} ${'FAILED'.padStart(6)} ${'SKIPPED'.padStart(7)} ${'ERRORS'.padStart(6)}`,
            ...s.mappings.map(
              (m) =>
                `${m.mapping.padEnd(20)} ${m.state.padEnd(8)} ${(m.realtime ? 'on' : 'off').padEnd(3)} ${ago(m.lastRun?.startedAt, now).padEnd(14)} ${result(m).padEnd(10)} ${String(m.pendingErpChanges).padStart(7)} ${lag(m).padStart(8)} ${String(m.failedRecords).padStart(6)} ${String(m.skippedRecords).padStart(7)} ${String(m.openErrors).padStart(6)}`,
            ),
            '',
            'FAILED: coupled records whose last synchronization failed; SKIPPED: records set aside after failing twice;',
            `ERRORS: open record errors (kobling errors; ${s.openErrors} in all jobs, kobling errors --all for the history).`,
          ];
        });
      } finally {
        await rt.close();
      }
    });
}
