import type { Clock } from '../../shared/clock.ts';

/** What a triggered run reports: it ran, or another process holds the mapping (try again soon). */
export type RunOutcome = 'ran' | 'busy';

export interface CoalescerOptions {
  /** Quiet time after the last poke before the run starts. */
  readonly debounceMs: number;
  /** Longest time a poke waits, however long the burst goes on. */
  readonly maxWaitMs: number;
  /** Wait before trying again when the mapping is busy elsewhere. */
  readonly busyRetryMs: number;
  readonly clock: Clock;
  /** `firstPokeAt` is when the oldest change of this run was seen (for the lag metric). */
  readonly run: (firstPokeAt: Date) => Promise<RunOutcome>;
  readonly onError: (err: unknown) => void;
}

export interface Coalescer {
  /** A change happened: a run will follow within the max wait (or right after the current one). */
  poke(): void;
  /** Number of runs started (for tests and metrics). */
  readonly runs: number;
  /** A change waits for its run, or a run is on (the mappings depending on this one wait for it). */
  readonly active: boolean;
  stop(): void;
}

/**
 * Turns a burst of change notifications into few runs: the run starts after `debounceMs` of
 * quiet, but never later than `maxWaitMs` after the first change. A poke during a run schedules
 * exactly one more run after it, so a change committed while a run was reading is never missed.
 */
export function createCoalescer(o: CoalescerOptions): Coalescer {
  let firstAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let stopped = false;
  let runs = 0;

  const schedule = (delayMs: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, delayMs));
  };

  async function fire(): Promise<void> {
    timer = undefined;
    if (stopped || firstAt === undefined) return;
    const first = new Date(firstAt);
    running = true;
    runs++;
    let outcome: RunOutcome = 'ran';
    try {
      outcome = await o.run(first);
    } catch (err) {
      o.onError(err);
    } finally {
      running = false;
    }
    if (stopped) return;
    if (outcome === 'busy') {
      // Keep the first change time: the lag keeps counting while another process holds the mapping.
      schedule(o.busyRetryMs);
      return;
    }
    firstAt = undefined;
    if (again) {
      again = false;
      poke();
    }
  }

  function poke(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const now = o.clock.now().getTime();
    firstAt ??= now;
    schedule(Math.min(o.debounceMs, firstAt + o.maxWaitMs - now));
  }

  return {
    poke,
    get runs() {
      return runs;
    },
    get active() {
      return !stopped && (running || firstAt !== undefined);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
