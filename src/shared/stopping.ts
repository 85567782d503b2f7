/**
 * Whether this process has begun its orderly stop. Once it has, a lost database connection or a
 * query cut off by PostgreSQL shutting down is expected (Ctrl+C in a terminal signals the embedded
 * PostgreSQL too, so it may go down before Kobling stops it in order): such failures are logged
 * at debug, not as errors.
 */
let stopping = false;

export function markStopping(): void {
  stopping = true;
}

export function isStopping(): boolean {
  return stopping;
}
