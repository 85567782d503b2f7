import { getLine } from '../../integration/full-sync/full-sync-lines.ts';
import { stopLine } from '../../integration/full-sync/stop-line.ts';
import { AppError } from '../../shared/errors.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { cliUser } from '../cli-user.ts';
import type { Runtime } from '../runtime.ts';

/** How long `--stop` waits for a running line's worker to stop it before it says so and exits. */
export const STOP_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `kobling sync full --stop MAPPING`: stops a pending or queued line at once; asks a running one
 * to stop and waits (up to `STOP_WAIT_MS`) for its worker to end it between two chunks, then
 * prints how far it got. A line that finished or failed before its worker could stop it, or that
 * cannot be stopped (done, failed, stopped or stopping already), fails the command with the reason.
 */
export async function runFullSyncStop(
  cli: CliEnv,
  rt: Runtime,
  opts: { stop: string; json?: boolean; waitMs?: number },
): Promise<void> {
  const { ctx } = rt;
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  const r = await stopLine(deps, opts.stop, `cli:${cliUser(cli.env)}`);
  if (!r.ok) throw AppError.from(r.error);
  const mapping = r.value.line.mapping;
  process.stderr.write(`${r.value.message}\n`);
  let line = await getLine(ctx.db, mapping);
  const deadline = Date.now() + (opts.waitMs ?? STOP_WAIT_MS);
  while (line?.status === 'Running' && Date.now() < deadline) {
    await sleep(500);
    line = await getLine(ctx.db, mapping);
  }
  if (!line) throw new AppError('not_found', `The full synchronization line of ${mapping} is gone`);
  if (line.status === 'Running')
    process.stderr.write(
      `${mapping} is still stopping after ${Math.round((opts.waitMs ?? STOP_WAIT_MS) / 1000)} s: its worker stops it once the records it is writing now are written; \`kobling sync full --review\` shows it.\n`,
    );
  else if (line.status !== 'Stopped')
    throw new AppError(
      'line_not_stoppable',
      `${mapping} ended ${line.status} before its worker could stop it: ${line.message ?? 'no message'}`,
    );
  printResult(cli, opts.json, line, (l) => [`${l.mapping} ${l.status}: ${l.message ?? ''}`]);
}
