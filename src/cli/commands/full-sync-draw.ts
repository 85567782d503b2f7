import type { ReviewLine } from '../../integration/full-sync/full-sync-service.ts';
import { plainChanges, type Shown } from './full-sync-plain.ts';

/** Where `kobling sync full` draws its lines: a terminal (`live`, redrawn in place) or not. */
export interface LinesOut {
  readonly live: boolean;
  write(text: string): void;
}

/** A line as drawn: now, and whether a worker was seen lately (see `bar`). */
export type RenderLine = (l: ReviewLine, now: number, workerSeen: boolean) => string;

/**
 * The lines of `kobling sync full` as they go. On a terminal each frame is drawn over the last
 * (cursor up, each line cleared), a hint once given staying under the bars; off it, plain lines
 * as they change (`plainChanges`) and the hint once. `final` draws the settled lines once more
 * before the summary: on a terminal the last frame would otherwise show lines still running
 * (its last poll came before they finished).
 */
export function lineDrawer(out: LinesOut, render: RenderLine) {
  let printed = 0;
  let kept: string | undefined;
  const shown: Shown = new Map();
  const plain = (lines: readonly ReviewLine[], now: number, workers: boolean) => {
    for (const text of plainChanges(lines, shown, now, (l) => render(l, now, workers)))
      out.write(`${text}\n`);
  };
  const redraw = (block: readonly string[]) => {
    if (printed) out.write(`\x1b[${printed}A`);
    for (const text of block) out.write(`\x1b[2K${text}\n`);
    // A shorter frame (the hint gone) leaves nothing of the longer one under it.
    if (block.length < printed) out.write('\x1b[J');
    printed = block.length;
  };
  return {
    /** A frame while lines are at work; `hint` (once given, kept on a terminal) under the bars. */
    progress(lines: readonly ReviewLine[], now: number, workers: boolean, hint?: string): void {
      if (out.live) {
        kept = kept ?? hint;
        redraw([...lines.map((l) => render(l, now, workers)), ...(kept ? [kept] : [])]);
        return;
      }
      plain(lines, now, workers);
      if (hint && !kept) {
        kept = hint;
        out.write(`${hint}\n`);
      }
    },
    /** The settled lines: every line's final state on a terminal, what changed off it. */
    final(lines: readonly ReviewLine[], now: number): void {
      if (out.live) redraw(lines.map((l) => render(l, now, false)));
      else plain(lines, now, false);
    },
  };
}
