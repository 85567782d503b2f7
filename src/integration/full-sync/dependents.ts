import { dependenciesOf } from '../../sync/model.ts';
import type { FullSyncLine } from './full-sync-lines.ts';
import { DONE_STATUSES, hasFailures, type ReviewStatus } from './line-status.ts';

/**
 * The lines below `mapping` whose failures may have come from it: its children that failed or
 * finished with failed records (a contact whose account was not created), their such children and
 * so on, also through children still pending (they wait for it and run when it is done). A child
 * that finished cleanly since stops the walk: what failed under it failed on its own account.
 * Nearest first (the order does not matter: they all wait for `mapping`).
 */
export function failedDependents(lines: readonly FullSyncLine[], mapping: string): string[] {
  const found: string[] = [];
  const seen = new Set([mapping]);
  const frontier = [mapping];
  while (frontier.length > 0) {
    const parent = frontier.shift()!;
    for (const l of lines) {
      if (seen.has(l.mapping) || !dependenciesOf(l).includes(parent)) continue;
      if (!hasFailures(l.status) && l.status !== 'Pending') continue;
      seen.add(l.mapping);
      frontier.push(l.mapping);
      if (hasFailures(l.status)) found.push(l.mapping);
    }
  }
  return found;
}

/** What `openParents` reads of a line: a stored one or one of the review's. */
export type ParentLine = Pick<FullSyncLine, 'mapping' | 'dependencyFilter' | 'message'> & {
  readonly status: ReviewStatus;
};

/** A line's parents that have not finished (failed ones among them), in its dependency filter's order. */
export const openParents = <L extends ParentLine>(line: L, byName: ReadonlyMap<string, L>) =>
  dependenciesOf(line)
    .map((d) => byName.get(d))
    .filter((p): p is L => p !== undefined && !DONE_STATUSES.has(p.status));
