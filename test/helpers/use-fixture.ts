import { after, before } from 'node:test';

/**
 * Registers a test file's before/after hooks for a fixture with `close()`: the fixture is started
 * before the file's tests (then `seed`, in the same hook: a second top-level `before` of the file
 * would not wait for this one under Node 20) and closed after them. The returned object takes the
 * fixture's fields once `before` has run, so tests read them inside test bodies only.
 */
export function useFixture<F extends { close(): Promise<void> }>(
  start: () => Promise<F>,
  seed?: (fixture: F) => Promise<void> | void,
): F {
  const holder = {} as F;
  before(async () => {
    Object.assign(holder, await start());
    await seed?.(holder);
  });
  after(async () => {
    // Absent when `start` failed: that failure is the one to report.
    await (holder as Partial<F>).close?.();
  });
  return holder;
}
