import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import { PLAIN_PROGRESS_EVERY_MS } from '../terminal.ts';

/** What was last written of a line off a terminal: its status and note, and when. */
export type Shown = Map<string, { status: string; message: string | null; at: number }>;

/**
 * The lines to write off a terminal, where nothing is redrawn: every line the first time, then a
 * line when its status or note changes (it is queued, starts, matches, finishes or fails) and, while it runs, at most
 * every 10 s (records done of total, rate). `shown` remembers what was written.
 */
export function plainChanges(
  lines: readonly ReviewLine[],
  shown: Shown,
  now: number,
  render: (l: ReviewLine) => string,
): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const last = shown.get(l.mapping);
    const due =
      !last ||
      last.status !== l.status ||
      last.message !== l.message ||
      (l.status === 'Running' && now - last.at >= PLAIN_PROGRESS_EVERY_MS);
    if (!due) continue;
    shown.set(l.mapping, { status: l.status, message: l.message, at: now });
    out.push(render(l));
  }
  return out;
}
