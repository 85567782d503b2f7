/** A counting semaphore: at most `limit` holders at once, waiters served first come first served. */
export class Semaphore {
  readonly #limit: number;
  #active = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`invalid concurrency ${limit}`);
    this.#limit = limit;
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(): Promise<() => void> {
    if (this.#active < this.#limit) {
      this.#active++;
    } else {
      // The releasing holder hands its slot over directly, so #active stays unchanged.
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#active--;
    };
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }
}

/**
 * The client-wide pause: when the server says "retry after N seconds" every caller of the client
 * waits, not only the one that was told — Dataverse counts all requests of the application user,
 * so pushing on with other requests only lengthens the penalty.
 */
export class ThrottleGate {
  #pausedUntil = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Extends the pause to at least `ms` from now. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }

  /** Milliseconds left in the pause (0 when open). */
  remaining(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  /** Resolves when the gate is open; returns how long the caller waited. */
  async wait(): Promise<number> {
    let waited = 0;
    for (let left = this.remaining(); left > 0; left = this.remaining()) {
      await sleep(left);
      waited += left;
    }
    return waited;
  }
}

/** Promise-based delay. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
