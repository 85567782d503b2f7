/** One look at a running line: when, and its records done then. */
interface Sample {
  readonly at: number;
  readonly done: number;
}

/** The span of looks a rate is taken over: what the line does now, not what it did at first. */
export const RATE_WINDOW_MS = 10_000;
/** Records moving over less than this say too little to give a rate (a step or two of progress). */
export const RATE_MIN_SPAN_MS = 2_000;

/**
 * The rate of each running line from the looks `kobling sync full` takes at it (one a second),
 * over the last `RATE_WINDOW_MS`. Not from the line's `startedAt`: that is when the line first
 * ran, so the rate it gave counted its matching (a *Coupling* job before the passes, seconds on
 * many records with nothing done), and after a stopped line was restarted, the whole time it sat
 * stopped. Here the looks begin when the line's records begin to move: until then (queued,
 * matching, or a restarted line not yet past where it stopped) the last look alone is kept. A
 * line that stops running, or starts again from 0, begins anew.
 */
export function paceTracker() {
  const looks = new Map<string, { samples: Sample[]; moved: boolean }>();
  return {
    /** Takes the lines' look at `now` (from the command's clock). */
    observe(
      lines: readonly { mapping: string; status: string; done: number }[],
      now: number,
    ): void {
      for (const l of lines) {
        const seen = looks.get(l.mapping);
        const last = seen?.samples.at(-1);
        if (l.status !== 'Running' || !seen || !last || l.done < last.done) {
          if (l.status === 'Running')
            looks.set(l.mapping, { samples: [{ at: now, done: l.done }], moved: false });
          else looks.delete(l.mapping);
          continue;
        }
        if (!seen.moved && l.done === last.done) {
          seen.samples = [{ at: now, done: l.done }];
          continue;
        }
        seen.moved = true;
        seen.samples.push({ at: now, done: l.done });
        // The oldest look kept is the last one at or before the window's start.
        while (seen.samples.length > 2 && seen.samples[1]!.at <= now - RATE_WINDOW_MS)
          seen.samples.shift();
      }
    },
    /** The line's records a second now, or undefined until they have moved over `RATE_MIN_SPAN_MS`. */
    rate(mapping: string): number | undefined {
      const samples = looks.get(mapping)?.samples;
      const first = samples?.[0];
      const last = samples?.at(-1);
      if (!first || !last || last.at - first.at < RATE_MIN_SPAN_MS) return undefined;
      const perSecond = ((last.done - first.done) * 1000) / (last.at - first.at);
      return perSecond > 0 ? perSecond : undefined;
    },
  };
}
