import type { AppContext } from '../app/context.ts';
import { systemParts } from './parts.ts';

/** Starts every part's background work (see SystemPart.startBackground); returns how to stop it. */
export async function startBackgroundWork(ctx: AppContext): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  for (const part of systemParts) {
    const started = await part.startBackground?.(ctx);
    if (started) stops.push(() => started.stop());
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
