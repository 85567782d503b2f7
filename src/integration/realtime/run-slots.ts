/**
 * At most `size` real-time runs at once in a process: each run holds a pooled connection for its
 * mapping lock and needs more for its queries, so an unbounded number of mappings waking together
 * could take every connection of the pool and wait on each other.
 */
export function runSlots(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
