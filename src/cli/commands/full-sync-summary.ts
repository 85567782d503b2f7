import { openParents } from '../../integration/full-sync/dependents.ts';
import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import { failedNotSkipped, shellName, utc } from '../../integration/full-sync/line-status.ts';
import { agree, plural } from '../../shared/plural.ts';
import { otherCounters, shortCounters } from '../../sync/counters-text.ts';
import { COUNTER_NAMES, dependenciesOf, type JobCounters } from '../../sync/model.ts';

const RESTART_HINT =
  'Fix the cause, then `kobling sync full --restart-failed` (or `--restart MAPPING` for one line).';

/**
 * Records handled over the lines: +inserted ~modified ✗failed as the bars show them, then the
 * other counters not at 0 (`230 unchanged`), so that the records add up.
 */
function totals(lines: readonly ReviewLine[]): string {
  const sum: Partial<JobCounters> = {};
  for (const name of COUNTER_NAMES)
    sum[name] = lines.reduce((n, l) => n + (l.counters[name] ?? 0), 0);
  const matched = lines.reduce((n, l) => n + (l.matched ?? 0), 0);
  const records = lines.reduce((n, l) => n + l.done, 0);
  const others = otherCounters(sum);
  return `${plural(records, 'record')}: ${shortCounters(sum)}${others ? `, ${others}` : ''}${matched ? `, ${matched} coupled by matching` : ''}`;
}

/**
 * Lines that failed, lines stopped by hand and lines held by such a parent, named; a part with
 * none is left out.
 */
export function stopped(lines: readonly ReviewLine[]): string {
  const failed = lines.filter((l) => l.status === 'Failed').map((l) => l.mapping);
  const halted = lines.filter((l) => l.status === 'Stopped').map((l) => l.mapping);
  const held = lines.filter((l) => l.status === 'Pending').map((l) => l.mapping);
  const parent =
    failed.length > 0 && halted.length > 0
      ? 'a failed or stopped parent'
      : halted.length > 0
        ? 'a stopped parent'
        : 'a failed parent';
  return [
    ...(failed.length > 0
      ? [`${plural(failed.length, 'line')} failed (${failed.join(', ')})`]
      : []),
    ...(halted.length > 0
      ? [`${plural(halted.length, 'line')} stopped (${halted.join(', ')})`]
      : []),
    ...(held.length > 0 ? [`${held.length} waiting for ${parent} (${held.join(', ')})`] : []),
  ].join(', ');
}

/**
 * What to do next: fix and restart failed lines; restart stopped ones to continue them. One line
 * is named in its command (as `kobling status` names it).
 */
export function restartHint(lines: readonly ReviewLine[]): string {
  const named = (status: string) => lines.filter((l) => l.status === status).map((l) => l.mapping);
  const failed = named('Failed');
  const halted = named('Stopped');
  if (failed.length === 1)
    return `Fix the cause, then \`kobling sync full --restart ${shellName(failed[0]!)}\`.`;
  if (failed.length > 1) return RESTART_HINT;
  return halted.length === 1
    ? `Restart the stopped line to continue it where it stopped: \`kobling sync full --restart ${shellName(halted[0]!)}\`.`
    : 'Restart a stopped line to continue it where it stopped: `kobling sync full --restart MAPPING`.';
}

const withErrors = (lines: readonly ReviewLine[]) =>
  lines.filter((l) => l.status === 'FinishedWithErrors');

/** What a line that finished with errors left: "2 records failed, 1 skipped after failing". */
export const failedWords = (l: ReviewLine): string =>
  [
    ...((l.counters.failed ?? 0) > 0 || !l.skippedRecords
      ? [`${plural(l.counters.failed ?? 0, 'record')} failed`]
      : []),
    ...(l.skippedRecords ? [`${l.skippedRecords} skipped after failing`] : []),
  ].join(', ');

/**
 * The mappings' records skipped after failing: no regular job retries them, `kobling skipped
 * retry` does (a restart of the line restores them first); empty when there are none.
 */
function skippedHint(w: readonly ReviewLine[]): string {
  const s = w.filter((l) => (l.skippedRecords ?? 0) > 0);
  if (s.length === 0) return '';
  const retry = s.map((l) => `\`kobling skipped retry --mapping ${shellName(l.mapping)}\``);
  const n = s.reduce((sum, l) => sum + (l.skippedRecords ?? 0), 0);
  const where =
    s.length === 1
      ? `of ${s[0]!.mapping}`
      : `(${s.map((l) => `${l.skippedRecords} of ${l.mapping}`).join(', ')})`;
  return ` ${plural(n, 'record')} ${where} ${agree(n, 'is', 'are')} skipped after failing twice with the same message: no regular job retries ${agree(n, 'it', 'them')}; after the fix ${retry.join(', ')}.`;
}

/**
 * Who retries the failed records after the fix: the mappings' regular jobs, or `kobling sync` for a
 * mapping whose job is off (nothing retries its records by itself).
 */
function retryHint(w: readonly ReviewLine[], jobOff: ReadonlySet<string>): string {
  const off = w.filter((l) => jobOff.has(l.mapping));
  const sync = off.map((l) => `\`kobling sync ${shellName(l.mapping)}\``).join(', ');
  const them = w.some((l) => (l.skippedRecords ?? 0) > 0) ? 'the ones not skipped' : 'them';
  if (off.length === 0) return `after the fix the regular job retries ${them}`;
  if (off.length === w.length)
    return off.length > 1
      ? `after the fix ${sync} retry ${them} (their regular jobs are off)`
      : `after the fix ${sync} retries ${them} (the mapping's regular job is off)`;
  return `after the fix the regular job retries ${them} (${sync} where the job is off)`;
}

const notSkipped = (l: ReviewLine) =>
  failedNotSkipped(l.counters.failed ?? 0, l.skippedRecords ?? 0);

/**
 * The children of `parents` that went on after them: queued (or found to need nothing) once their
 * parent had finished. A child that had finished before — a restart of the parent leaves it alone —
 * did not run this time, and one still pending waits for another parent.
 */
function wentOn(lines: readonly ReviewLine[], parents: readonly ReviewLine[]): string[] {
  return lines
    .filter((l) =>
      parents.some((p) => {
        const after = l.queuedAt ?? l.finishedAt;
        return (
          dependenciesOf(l).includes(p.mapping) &&
          p.finishedAt !== null &&
          after !== null &&
          new Date(after) >= new Date(p.finishedAt)
        );
      }),
    )
    .map((l) => l.mapping);
}

/**
 * Lines that finished with failed records: how many records, in which lines, which of their
 * children went on, and where to see and retry them; empty when there are none.
 */
function failedRecords(lines: readonly ReviewLine[], jobOff: ReadonlySet<string>): string {
  const all = withErrors(lines);
  if (all.length === 0) return '';
  const skipped = skippedHint(all);
  const w = all.filter((l) => (l.counters.failed ?? 0) > 0);
  if (w.length === 0) return skipped;
  const n = w.reduce((s, l) => s + (l.counters.failed ?? 0), 0);
  const see = w.map((l) => `\`kobling errors --mapping ${shellName(l.mapping)}\``).join(', ');
  const again =
    w.length > 1
      ? '`kobling sync full --restart-failed`'
      : `\`kobling sync full --restart ${shellName(w[0]!.mapping)}\``;
  // Each record counted once: the skipped ones get only the skipped hint's advice.
  const retried = w.filter((l) => notSkipped(l) > 0);
  const retry = retried.length > 0 ? `${retryHint(retried, jobOff)}, or` : 'after the fix';
  // The count per line only when there are several: "1 record failed in CUSTOMER (1)" says it twice.
  const where =
    w.length === 1
      ? w[0]!.mapping
      : w.map((l) => `${l.mapping} (${l.counters.failed ?? 0})`).join(', ');
  const went = wentOn(lines, w);
  const children =
    went.length > 0
      ? `; ${agree(w.length, 'its', 'their')} dependent ${agree(went.length, 'line', 'lines')} ${went.join(', ')} went on`
      : '';
  return ` ${plural(n, 'record')} failed in ${where}${children}. See them: ${see}; ${retry} ${again} runs ${agree(w.length, 'the line', 'those lines')} again.${skipped}`;
}

/**
 * The lines a restart ran: the restarted ones and, from them down, every dependent line that went
 * on after its parent finished. A restart's summary is theirs: the other lines' counters are those
 * of earlier runs.
 */
export function ranAfterRestart(
  lines: readonly ReviewLine[],
  restarted: readonly string[],
): ReviewLine[] {
  const ran = new Set(restarted);
  for (let size = 0; size !== ran.size; ) {
    size = ran.size;
    for (const name of wentOn(
      lines,
      lines.filter((l) => ran.has(l.mapping)),
    ))
      ran.add(name);
  }
  return lines.filter((l) => ran.has(l.mapping));
}

/**
 * The lines a restart answers for: those it ran (`ranAfterRestart`) and, for one of them still
 * pending, the lines that hold it — its open parents, up to the failed ones. Another line that
 * failed, or finished with failed records, on its own is not the restart's outcome: neither its
 * summary nor its exit code.
 */
export function restartOutcome(
  lines: readonly ReviewLine[],
  restarted: readonly string[],
): ReviewLine[] {
  const byName = new Map(lines.map((l) => [l.mapping, l]));
  const ours = new Set(ranAfterRestart(lines, restarted).map((l) => l.mapping));
  const pending = [...ours];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const l = byName.get(name);
    if (l?.status !== 'Pending') continue;
    for (const p of openParents(l, byName))
      if (!ours.has(p.mapping)) {
        ours.add(p.mapping);
        pending.push(p.mapping);
      }
  }
  return lines.filter((l) => ours.has(l.mapping));
}

/**
 * The outcome of a run that ended with every line done (some perhaps with failed records); after a
 * restart (`restarted`, the lines it restarted) only of the lines it ran (`ranAfterRestart`).
 */
export function finishedSummary(
  all: readonly ReviewLine[],
  jobOff: ReadonlySet<string>,
  restarted?: readonly string[],
): string[] {
  const lines = restarted ? ranAfterRestart(all, restarted) : all;
  const errors = failedRecords(lines, jobOff);
  const what = restarted
    ? `Full synchronization of ${lines.map((l) => l.mapping).join(', ')} finished${errors ? ' with failed records' : ''}: `
    : `Full synchronization finished${errors ? ' with failed records' : ''}: ${plural(lines.length, 'line')}, `;
  return [`${what}${totals(lines)}.${errors}`];
}

/** The outcome of a run that ended with failed lines (and children held by them). */
export function stoppedSummary(
  lines: readonly ReviewLine[],
  jobOff: ReadonlySet<string>,
): string[] {
  return [
    `Full synchronization stopped: ${stopped(lines)}.${failedRecords(lines, jobOff)} ${restartHint(lines)}`,
  ];
}

/**
 * `jobOff`, in each summary: the mappings whose recurring job is off.
 *
 * What `kobling sync full` says when it started nothing and nothing is at work: every line had
 * finished before (when, with the totals of that run), or lines failed and hold their children.
 */
export function idleSummary(lines: readonly ReviewLine[], jobOff: ReadonlySet<string>): string[] {
  if (lines.length === 0)
    return [
      'Nothing to start: no mapping has a full synchronization line (see `kobling mappings`).',
    ];
  if (lines.some((l) => l.status === 'Failed' || l.status === 'Stopped' || l.status === 'Pending'))
    return [
      `Nothing started: ${stopped(lines)}.${failedRecords(lines, jobOff)} ${restartHint(lines)}`,
    ];
  const last = lines
    .map((l) => l.finishedAt)
    .filter((f): f is string => f !== null)
    .sort()
    .at(-1);
  return [
    `Nothing to start: every line has already finished${last ? ` (the last on ${utc(last)})` : ''}: ${plural(lines.length, 'line')}, ${totals(lines)}.${failedRecords(lines, jobOff)}`,
    'To run a line again: `kobling sync full --restart MAPPING` (API: POST /api/integration/v1/fullSync/lines/{mapping}/restart).',
  ];
}
