import { startJobQueue } from '../../db/job-queue.ts';
import { expectedTotal } from '../../integration/full-sync/full-sync-lines.ts';
import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import {
  restartLine,
  reviewLines,
  startFullSync,
} from '../../integration/full-sync/full-sync-service.ts';
import { AppError } from '../../shared/errors.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import type { Runtime } from '../runtime.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACTIVE = new Set(['Queued', 'Running']);

function bar(l: ReviewLine, now: number): string {
  const c = l.counters;
  const total = expectedTotal(l) ?? 0;
  const share = l.status === 'Finished' ? 1 : total > 0 ? Math.min(1, l.done / total) : 0;
  const filled = Math.round(share * 20);
  const seconds = l.startedAt ? Math.max(0.001, (now - new Date(l.startedAt).getTime()) / 1000) : 0;
  const rate = l.status === 'Running' && seconds > 0 ? l.done / seconds : 0;
  const eta = rate > 0 && total > l.done ? `${Math.round((total - l.done) / rate)} s left` : '';
  const detail =
    l.status === 'Pending' && l.waitingFor.length > 0
      ? `waiting for ${l.waitingFor.join(', ')}`
      : l.status === 'Running' || l.status === 'Finished' || l.status === 'Failed'
        ? `${l.done}/${total} · +${c.inserted ?? 0} ~${c.modified ?? 0} ✗${c.failed ?? 0}${l.matched ? ` · ${l.matched} matched` : ''}${l.ambiguous ? ` · ${l.ambiguous} ambiguous` : ''}${rate ? ` · ${Math.round(rate)}/s` : ''}${eta ? ` · ${eta}` : ''}${l.status === 'Failed' ? ` · ${l.message ?? ''}` : ''}`
        : (l.message ?? '');
  return `${l.mapping.padEnd(20)} ${l.status.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${detail}`;
}

/**
 * `kobling sync full`: starts the full synchronization (the workers run its lines) and follows it
 * with a progress bar per line until every line has finished, failed or waits on a failed parent.
 */
export async function runFullSyncCommand(
  cli: CliEnv,
  rt: Runtime,
  opts: { json?: boolean; restart?: string },
): Promise<void> {
  const { ctx } = rt;
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  const boss = await startJobQueue(ctx.db, ctx.logger);
  try {
    if (opts.restart) {
      // A failed (or finished) line back to work, then followed like a start.
      const mapping = opts.restart.toUpperCase();
      const restarted = await restartLine(deps, boss, mapping);
      if (!restarted.ok) throw AppError.from(restarted.error);
      if (!opts.json) process.stderr.write(`Restarted the full synchronization of ${mapping}.\n`);
    } else {
      const started = await startFullSync(deps, boss);
      if (!started.ok) throw AppError.from(started.error);
      if (!opts.json) process.stderr.write(`${started.value.message}\n`);
    }
    const since = Date.now();
    let printed = 0;
    let warned = false;
    // Redrawn in place only on a terminal; piped or redirected output gets plain lines, no cursor
    // codes, once at the start and once at the end.
    const live = Boolean(process.stderr.isTTY && process.stdout.isTTY);
    for (;;) {
      const lines = await reviewLines(deps);
      const now = Date.now();
      if (!opts.json) {
        if (printed && live) process.stderr.write(`\x1b[${printed}A`);
        if (live || !printed)
          for (const l of lines) process.stderr.write(`${live ? '\x1b[2K' : ''}${bar(l, now)}\n`);
        printed = lines.length;
      }
      const busy = lines.some((l) => ACTIVE.has(l.status));
      const startable = lines.some((l) => l.status === 'Pending' && l.waitingFor.length === 0);
      if (!busy && !startable) {
        if (!opts.json && !live) for (const l of lines) process.stderr.write(`${bar(l, now)}\n`);
        printResult(cli, opts.json, lines, (ls) => {
          const failed = ls.filter((l) => l.status === 'Failed');
          const held = ls.filter((l) => l.status === 'Pending');
          return [
            failed.length === 0 && held.length === 0
              ? `Full synchronization finished: ${ls.length} line(s).`
              : `Full synchronization stopped: ${failed.length} line(s) failed, ${held.length} waiting for a failed parent. Fix, then \`kobling sync full --restart ${failed[0]?.mapping ?? 'MAPPING'}\`.`,
          ];
        });
        if (lines.some((l) => l.status === 'Failed')) process.exitCode = 1;
        return;
      }
      if (
        !warned &&
        now - since > 30_000 &&
        !lines.some(
          (l) => l.status !== 'Pending' && l.status !== 'Queued' && l.status !== 'NotNeeded',
        )
      ) {
        warned = true;
        process.stderr.write(
          'No worker has taken a line in 30 s: is `kobling start` or `kobling worker` running on this database?\n',
        );
      }
      await sleep(1000);
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
