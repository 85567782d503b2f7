import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import { shellName } from '../../integration/full-sync/line-status.ts';
import { openReview } from '../../integration/full-sync/review.ts';
import { answeredLine, nothingToStart } from '../../integration/full-sync/review-messages.ts';
import { AppError } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { dependenciesOf } from '../../sync/model.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import type { Runtime } from '../runtime.ts';
import { bar, STATUS_WIDTH } from './full-sync.ts';
import { restartHint, stopped } from './full-sync-summary.ts';

const RECOMMENDATION: Record<string, string> = {
  FullSynchronization: 'full synchronization',
  CoupleRecords: 'couple records',
  NoRecords: 'nothing to do',
};

/** "full synchronization · ERP 52 / CRM 13": a line's recommendation from both sides' counts. */
const recommended = (l: ReviewLine): string =>
  `${RECOMMENDATION[l.recommendation] ?? l.recommendation} · ERP ${l.erpCount ?? '—'} / CRM ${
    l.crmCount ?? '—'
  }`;

/** A line not started yet: what *Start* would do with it, both counts and what it starts after. */
export function notStartedRow(l: ReviewLine): string {
  const parents = dependenciesOf(l);
  return `${l.mapping.padEnd(20)} ${l.status.padEnd(STATUS_WIDTH)} ${recommended(l)}${
    parents.length > 0 ? ` · starts after ${parents.join(', ')}` : ''
  }`;
}

/**
 * A stored line: its bar as `kobling sync full` draws it, then what the page shows beside it — the
 * recommendation and both sides' counts — which the bar alone leaves out.
 */
export const storedRow = (l: ReviewLine, now: number): string =>
  `${bar(l, now)} · ${recommended(l)}`;

/** The review in a sentence under its lines. */
export function reviewSummary(lines: readonly ReviewLine[]): string {
  if (lines.length === 0)
    return 'No mapping has a full synchronization line (see `kobling mappings`).';
  if (!lines.every((l) => l.status === 'NotStarted')) {
    // A stopped line is not started again by a plain `kobling sync full`: its restart is said.
    const halted = lines.filter((l) => l.status === 'Stopped').map((l) => l.mapping);
    const restart =
      halted.length === 0
        ? ''
        : ` ${halted.join(', ')} ${agree(halted.length, 'is', 'are')} stopped: \`kobling sync full --restart ${
            halted.length === 1 ? shellName(halted[0]!) : 'MAPPING'
          }\` continues ${agree(halted.length, 'it', 'each')}.`;
    const n = plural(lines.length, 'line');
    // What a plain `kobling sync full` would do now (`nothingToStart` is what *Start* answers).
    if (nothingToStart(lines) === undefined)
      return `${n}; \`kobling sync full\` starts those not done and follows them.${restart}`;
    const atWork = lines.filter((l) => l.status === 'Queued' || l.status === 'Running');
    if (atWork.length > 0)
      return `${n}; nothing new to start: \`kobling sync full\` follows ${atWork.map((l) => l.mapping).join(', ')}.${restart}`;
    if (
      lines.some((l) => l.status === 'Failed' || l.status === 'Stopped' || l.status === 'Pending')
    )
      return `${n}; \`kobling sync full\` starts nothing: ${stopped(lines)}. ${restartHint(lines)}`;
    return `${n}, every one finished: \`kobling sync full\` has nothing to start; \`kobling sync full --restart MAPPING\` runs one again.`;
  }
  const n = (r: string) => lines.filter((l) => l.recommendation === r).length;
  // Parts at 0 left out: "0 with nothing to do" says nothing.
  const parts = [
    [n('FullSynchronization'), 'to synchronize in full'],
    [n('CoupleRecords'), 'to couple records'],
    [n('NoRecords'), 'with nothing to do'],
  ] as const;
  const counted = parts.filter(([k]) => k > 0).map(([k, what]) => `${k} ${what}`);
  return `No full synchronization has been started yet: ${plural(lines.length, 'line')} (${counted.join(', ')}), counted now and not started; \`kobling sync full\` starts them.`;
}

/**
 * `kobling sync full --review`: the review lines as the web page shows them — every line not at
 * work counted again; before the first *Start*, the lines it would write — and nothing started.
 * Counts that could not be refreshed (the CRM down) are said so above the lines.
 */
export async function runFullSyncReview(cli: CliEnv, rt: Runtime, json?: boolean): Promise<void> {
  const { ctx } = rt;
  const review = await openReview({ db: ctx.db, config: ctx.config, logger: ctx.logger });
  if (!review.ok) throw AppError.from(review.error);
  const { lines, warning } = review.value;
  const now = ctx.clock.now().getTime();
  // The JSON is the API's lines (GET …/fullSync `value`): with `expectedTotal`.
  printResult(cli, json, lines.map(answeredLine), (ls) => [
    ...(warning ? [`Warning: ${warning}.`] : []),
    ...ls.map((l) => (l.status === 'NotStarted' ? notStartedRow(l) : storedRow(l, now))),
    reviewSummary(ls),
  ]);
  // stdout stays the lines' JSON; the review itself worked, so the exit code stays 0.
  if (json && warning) cli.err(`Warning: ${warning}.`);
}
