import { dependenciesOf } from '../../sync/model.ts';
import type { FullSyncLine } from './full-sync-lines.ts';

/**
 * The failed lines below `mapping` whose failure may have come from it: its failed children,
 * their failed children and so on, also through children still pending (they wait for it and run
 * when it is done). A child that finished since stops the walk: what failed under it failed on its
 * own account. Nearest first (the order does not matter: they all wait for `mapping`).
 */
export function failedDependents(lines: readonly FullSyncLine[], mapping: string): string[] {
  const found: string[] = [];
  const seen = new Set([mapping]);
  const frontier = [mapping];
  while (frontier.length > 0) {
    const parent = frontier.shift()!;
    for (const l of lines) {
      if (seen.has(l.mapping) || !dependenciesOf(l).includes(parent)) continue;
      if (l.status !== 'Failed' && l.status !== 'Pending') continue;
      seen.add(l.mapping);
      frontier.push(l.mapping);
      if (l.status === 'Failed') found.push(l.mapping);
    }
  }
  return found;
}
