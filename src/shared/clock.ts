/** Time source, injectable so tests can pin the instant. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock stuck at one instant that tests can move forward. */
export function fixedClock(start: Date | string): Clock & { advance(ms: number): void } {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
  };
}

/** ISO 8601 date part (yyyy-mm-dd) of an instant, in UTC. */
export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
