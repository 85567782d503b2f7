import type { Command } from 'commander';
import { z } from 'zod';
import { LOCK_WAIT } from '../../integration/mapping-lock.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { undoJobLocked } from '../../integration/undo-service.ts';
import { AppError } from '../../shared/errors.ts';
import { recordLabel, type Side } from '../../sync/record-names.ts';
import { previewUndo, type UndoReport } from '../../sync/undo/undo-job.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

/** `kobling jobs undo ID [--preview] [--json]` (docs/sync-engine.md, "Undo a job"). */
export function registerJobUndo(jobs: Command, cli: CliEnv): void {
  jobs
    .command('undo <id>')
    .description(
      'Undo a synchronization job: restore the values it wrote where nobody changed them since, delete (or deactivate) and uncouple the records it created; --preview shows what it would do',
    )
    .option('--preview', 'only show what the undo would do; write nothing')
    .option('--json', 'print the report as JSON')
    .action((id: string, _opts: unknown, command: Command) =>
      withRuntime(cli, async ({ ctx }) => {
        // `--json` is also an option of `jobs`, which takes it wherever it stands.
        const opts = command.optsWithGlobals<{ preview?: boolean; json?: boolean }>();
        if (!z.guid().safeParse(id).success)
          throw new AppError('validation_failed', `'${id}' is not a job id; see \`kobling jobs\``);
        const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
        if (!engine.ok) throw AppError.from(engine.error);
        const r = opts.preview
          ? await previewUndo(engine.value, id)
          : await undoJobLocked(ctx.db, engine.value, id, LOCK_WAIT.background);
        if (!r.ok) throw AppError.from(r.error);
        printResult(cli, opts.json, r.value, render);
      }),
    );
}

const show = (v: unknown) => (v === undefined ? 'unknown' : JSON.stringify(v));

/** The report as a readable diff: what is (would be) restored, left, removed and re-created. */
function render(r: UndoReport): string[] {
  const head = r.preview
    ? `Undo of job ${r.undoneJobId} (${r.mapping}) would do: ${r.message}`
    : `Job ${r.undoneJobId} (${r.mapping}) undone by job ${r.undoJobId}: ${r.message}`;
  // Records by number and name (`--json` keeps their ids).
  const label = (x: { side: Side; recordId: string; name: string | null }) =>
    recordLabel(x.side, x.side === 'erp' ? r.erpTable : r.crmEntity, x.recordId, x.name);
  const lines = [head];
  for (const x of r.restored) {
    if (!x.changes) {
      lines.push(`  restored ${x.side} ${label(x)}: ${x.fields.join(', ')}`);
      continue;
    }
    for (const [field, c] of Object.entries(x.changes))
      lines.push(
        `  restore  ${x.side} ${label(x)} ${field}: ${show(c.current)} → ${show(c.restore)}`,
      );
  }
  for (const n of r.notRestored)
    lines.push(
      `  left     ${n.side} ${label(n)} ${n.field}: ${show(n.current)} (${n.reason.replaceAll('_', ' ')}; the job wrote ${show(n.jobValue)})`,
    );
  for (const x of r.removed)
    lines.push(`  ${x.how === 'gone' ? 'uncouple' : x.how.padEnd(8)} ${x.side} ${label(x)}`);
  for (const x of r.recreated)
    lines.push(
      `  recreate ${x.side} ${label(x)}${x.coupledWith ? ` coupled with ${x.coupledWith}` : ''}`,
    );
  for (const x of r.skipped) lines.push(`  skipped  ${x.side} ${label(x)}: ${x.message}`);
  for (const x of r.failed) lines.push(`  FAILED   ${x.side} ${label(x)}: ${x.message}`);
  // Records of other mappings that keep the undo from deleting their parents.
  for (const d of r.dependents)
    lines.push(
      `  refers   ${d.side} ${recordLabel(d.side, d.table, d.recordId, d.name)} (${d.mapping}${d.coupled ? ', coupled' : ''}) → ${d.parentId}: ${d.createdBy ? `created by job ${d.createdBy}` : 'created by no job'}`,
    );
  if (r.refusal) lines.push(`Refused [${r.refusal.code}]: ${r.refusal.message}`);
  return lines;
}
