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

/**
 * Reports a failure a stop would explain: `whileStopping` when this process is stopping, else
 * `otherwise` — decided a moment later, because Ctrl+C reaches the embedded PostgreSQL at the same
 * time as this process, and the connections it cuts can be reported before the signal is handled.
 */
export function unlessStopping(
  otherwise: () => void,
  whileStopping: () => void,
  graceMs = 500,
): void {
  if (stopping) whileStopping();
  else setTimeout(() => (stopping ? whileStopping() : otherwise()), graceMs).unref();
}
