/**
 * Waits while `busy()` holds, looking every `stepMs`, for at most `maxMs`: a run woken together
 * with a mapping it depends on lets that one go first. Bounded, so a dependency that never settles
 * (a burst that keeps it running, a cycle of dependencies a user made) only delays the run.
 * Counts steps rather than reading a clock: the wait is real time even under a test's fixed clock.
 */
export async function waitWhile(
  busy: () => boolean,
  maxMs: number,
  stepMs = 20,
): Promise<'clear' | 'timed out'> {
  for (let waited = 0; busy(); waited += stepMs) {
    if (waited >= maxMs) return 'timed out';
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return 'clear';
}
