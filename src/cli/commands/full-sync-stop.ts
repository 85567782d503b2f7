import { reviewLines } from '../../integration/full-sync/full-sync-service.ts';
import { utc } from '../../integration/full-sync/line-status.ts';
import { answeredLine, type ReviewLine } from '../../integration/full-sync/review-messages.ts';
import { stopLine } from '../../integration/full-sync/stop-line.ts';
import type { SyncDeps } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { cliUser } from '../cli-user.ts';
import { untilInterrupted } from '../interrupt.ts';
import type { Runtime } from '../runtime.ts';

/** How long `--stop` waits for a running line's worker to stop it before it says so and exits. */
export const STOP_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The line as the API's stop answers it (`line`): with what it waits for and `expectedTotal`. */
const lineOf = async (deps: SyncDeps, mapping: string) => {
  const l = (await reviewLines(deps)).find((x) => x.mapping === mapping);
  return l && answeredLine(l);
};

/**
 * `kobling sync full --stop MAPPING`: stops a pending or queued line at once; asks a running one
 * to stop and waits (up to `STOP_WAIT_MS`) for its worker to end it between two chunks, then
 * prints how far it got. A line that had already ended — before the command, or while its worker
 * was being asked (it finished first) — is said to be so, plainly, and exits 0: nothing runs, which
 * is what a stop is for (`alreadyEnded`). A line that cannot be stopped for another reason
 * (stopping already, not run since a move to another organization) fails the command.
 */
export async function runFullSyncStop(
  cli: CliEnv,
  rt: Runtime,
  opts: { stop: string; json?: boolean; waitMs?: number },
): Promise<void> {
  const { ctx } = rt;
  const deps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  const r = await stopLine(deps, opts.stop, `cli:${cliUser(cli.env)}`);
  if (!r.ok) {
    // The API's 409 stays a refusal; here it is an answer when the line had simply ended.
    const line =
      r.error.code === 'line_not_stoppable'
        ? await lineOf(deps, mappingNameOf(opts.stop))
        : undefined;
    const ended = line && alreadyEnded(line);
    if (line && ended) return nothingToStop(cli, opts.json, line, ended);
    throw AppError.from(r.error);
  }
  const mapping = r.value.line.mapping;
  const deadline = Date.now() + (opts.waitMs ?? STOP_WAIT_MS);
  // Ctrl+C stops the waiting only: the stop was asked, and its worker ends the line all the same.
  // Said once the signals are taken over: a Ctrl+C right after the words is not lost.
  const line = await untilInterrupted(
    async (interrupted) => {
      process.stderr.write(`${r.value.message}\n`);
      let l = await lineOf(deps, mapping);
      while (l?.status === 'Running' && Date.now() < deadline && !interrupted()) {
        await sleep(500);
        l = await lineOf(deps, mapping);
      }
      return l;
    },
    () => stoppedWaiting(mapping),
  );
  if (!line) throw new AppError('not_found', `The full synchronization line of ${mapping} is gone`);
  if (line.status === 'Running')
    process.stderr.write(
      `${mapping} is still stopping after ${Math.round((opts.waitMs ?? STOP_WAIT_MS) / 1000)} s: its worker stops it once the records it is writing now are written; \`kobling sync full --review\` shows it.\n`,
    );
  else if (line.status !== 'Stopped') {
    // Its worker ended it before it looked for the stop (the last chunk was being written).
    const ended = alreadyEnded(line);
    if (ended) return nothingToStop(cli, opts.json, line, ended);
    throw new AppError(
      'line_not_stoppable',
      `${mapping} is ${line.status} and was not stopped: ${line.message ?? 'no message'}`,
    );
  }
  printResult(cli, opts.json, line, (l) => [`${l.mapping} ${l.status}: ${l.message ?? ''}`]);
}

/** What Ctrl+C (or SIGTERM) while `--stop` waits for the worker says: the stop goes on without it. */
export const stoppedWaiting = (mapping: string): string =>
  `Stopped waiting; ${mapping} still stops once its worker has written the records it is writing now: \`kobling sync full --review\` shows it`;

/**
 * What `--stop` says of a line that had already ended, so that nothing was stopped: its status
 * and when it ended, in a line that reads as the answer it is, not as an error —
 * `CUSTOMER had already finished (Finished at 2026-12-02 06:40:12 UTC): nothing to stop`.
 * Undefined for a line that has not ended (pending, queued, running).
 */
export function alreadyEnded(
  l: Pick<ReviewLine, 'mapping' | 'status' | 'finishedAt' | 'message' | 'counters'>,
): string | undefined {
  const at = l.finishedAt ? ` at ${utc(l.finishedAt)}` : '';
  const failed = l.counters.failed ?? 0;
  switch (l.status) {
    case 'Finished':
      return `${l.mapping} had already finished (Finished${at}): nothing to stop`;
    case 'FinishedWithErrors':
      return `${l.mapping} had already finished (FinishedWithErrors${at}${failed > 0 ? `, ${plural(failed, 'record')} failed` : ''}): nothing to stop`;
    case 'NotNeeded':
      return `${l.mapping} had already ended (NotNeeded${at}: no records on either side): nothing to stop`;
    case 'Failed':
      return `${l.mapping} had already failed (Failed${at}: ${l.message ?? 'no message'}): nothing to stop`;
    case 'Stopped':
      return `${l.mapping} had already been stopped (${l.message ?? `Stopped${at}`}): nothing to stop`;
    default:
      return undefined;
  }
}

/** The answer to a stop of a line that had ended: the sentence, or with `--json` the line. */
function nothingToStop(
  cli: CliEnv,
  json: boolean | undefined,
  line: ReviewLine,
  said: string,
): void {
  // With --json stdout is the line's JSON alone; the sentence goes to stderr.
  if (json) process.stderr.write(`${said}\n`);
  printResult(cli, json, line, () => [said]);
}
