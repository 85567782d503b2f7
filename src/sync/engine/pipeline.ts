/**
 * Overlaps the chunks of a pass (docs/sync-engine.md, "Chunks in flight"): each chunk's `send`
 * (its `$batch` and its own bookkeeping) starts at once, so the next chunk is read and planned
 * while it is in flight; its `finish` (the watermark, progress) runs only after its send and after
 * every earlier chunk's finish — in order, and never past a chunk that failed. `add` waits while
 * `depth` chunks are unfinished. After a failure nothing more is added: `add` and `drain` throw it.
 */
export interface ChunkPipeline {
  add(send: () => Promise<void>, finish?: () => Promise<void>): Promise<void>;
  /** Waits for every chunk; throws the first failure. */
  drain(): Promise<void>;
}

export function chunkPipeline(depth: number): ChunkPipeline {
  let tail: Promise<void> = Promise.resolve();
  const unfinished: Promise<void>[] = [];
  let failed: { reason: unknown } | undefined;
  const rethrow = () => {
    if (failed) throw failed.reason;
  };
  return {
    async add(send, finish) {
      rethrow();
      const sent = send();
      const previous = tail;
      // Settled-not-awaited: a send that fails while earlier chunks still run is held, not lost.
      const step = Promise.allSettled([previous, sent]).then(async ([, s]) => {
        if (failed) return;
        try {
          if (s.status === 'rejected') throw s.reason;
          await finish?.();
        } catch (reason) {
          failed ??= { reason };
        }
      });
      tail = step;
      unfinished.push(step);
      while (unfinished.length >= Math.max(1, depth)) await unfinished.shift();
      rethrow();
    },
    async drain() {
      await Promise.all(unfinished.splice(0));
      rethrow();
    },
  };
}
