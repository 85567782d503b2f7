/**
 * Whether progress may be redrawn in place (carriage returns, cursor codes) on `stream`: only on
 * a terminal that understands them. Off a terminal — a pipe, `2>file`, a CI log, the systemd
 * journal — or on TERM=dumb a redraw would only leave its control characters in the log, so
 * progress is written as plain lines there.
 */
export const redraws = (
  stream: { readonly isTTY?: boolean },
  env: Record<string, string | undefined>,
): boolean => Boolean(stream.isTTY) && env.TERM !== 'dumb';

/** Every this often at most, off a terminal, a long-running job says how far it got. */
export const PLAIN_PROGRESS_EVERY_MS = 10_000;
