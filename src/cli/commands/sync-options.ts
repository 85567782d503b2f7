import { AppError } from '../../shared/errors.ts';

/**
 * `kobling sync`'s options that do not go together, refused as usage errors (validation_failed,
 * exit 2) before anything is opened: a wrong folder or a stopped database would otherwise answer
 * first, and a dry run must never start the real full synchronization.
 */
export function checkSyncOptions(
  name: string,
  opts: {
    dryRun?: boolean;
    full?: boolean;
    restart?: string;
    restartFailed?: boolean;
    review?: boolean;
    stop?: string;
  },
): void {
  const problem = syncOptionsProblem(name.toLowerCase() === 'full', opts);
  if (problem) throw new AppError('validation_failed', problem);
}

function syncOptionsProblem(
  full: boolean,
  opts: Parameters<typeof checkSyncOptions>[1],
): string | undefined {
  const restarting = Boolean(opts.restart || opts.restartFailed);
  if (full) {
    if (opts.dryRun)
      return 'A full synchronization is previewed per mapping: `kobling sync MAPPING --dry-run --full`';
    if (opts.review && restarting)
      return '--review only shows the lines; --restart and --restart-failed start them';
    if (opts.restart && opts.restartFailed)
      return 'Give either --restart MAPPING (one line) or --restart-failed (every failed line)';
    if (opts.stop && (restarting || opts.review))
      return '--stop MAPPING stops a line on its own: give it without --restart, --restart-failed or --review';
    return undefined;
  }
  if (opts.stop)
    return '--stop stops a line of the full synchronization: `kobling sync full --stop MAPPING`';
  if (opts.review)
    return '--review shows the lines of the full synchronization: `kobling sync full --review`';
  if (restarting)
    return '--restart and --restart-failed restart lines of the full synchronization: `kobling sync full --restart MAPPING` or `kobling sync full --restart-failed`';
  if (opts.full && !opts.dryRun)
    return '--full previews a full synchronization with --dry-run; to run one, use `kobling sync full`';
  return undefined;
}
