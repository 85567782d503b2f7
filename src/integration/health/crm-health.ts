import type { Clock } from '../../shared/clock.ts';
import { readConnection } from '../../sync/connection/connection-repo.ts';
import { connectionProblem } from '../connection-problems.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from '../sync-runtime.ts';

export type CrmHealth =
  | { readonly state: 'ok' | 'not enabled' }
  | { readonly state: 'failing'; readonly reason: string };

const CACHE_MS = 15_000;
// A failing answer is kept only briefly, so a CRM that is back shows ready at once.
const FAILURE_CACHE_MS = 2_000;
const TIMEOUT_MS = 5_000;
const cache = new Map<string, { at: number; value: CrmHealth }>();

/**
 * Whether the enabled Dynamics 365 Sales connection answers (`WhoAmI`), for `/ready`. The answer
 * is kept for 15 s so a busy readiness probe never adds load on the CRM's request budget.
 */
export async function crmHealth(deps: SyncDeps & { clock: Clock }): Promise<CrmHealth> {
  const now = deps.clock.now().getTime();
  const cached = cache.get(deps.db.url);
  if (cached && now - cached.at < (cached.value.state === 'failing' ? FAILURE_CACHE_MS : CACHE_MS))
    return cached.value;
  const value = await check(deps);
  cache.set(deps.db.url, { at: now, value });
  return value;
}

async function check(deps: SyncDeps): Promise<CrmHealth> {
  if (!(await readConnection(deps.db)).enabled) return { state: 'not enabled' };
  const settings = await clientSettings(deps);
  if (!settings.ok) return { state: 'failing', reason: settings.error.message };
  const client = dataverseClientFor(settings.value, deps.logger);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS);
  });
  const who = await Promise.race([client.whoAmI(), timeout]).finally(() => clearTimeout(timer));
  if (who === 'timeout')
    return {
      state: 'failing',
      reason: `Dynamics 365 Sales did not answer within ${TIMEOUT_MS / 1000} s`,
    };
  if (!who.ok)
    return {
      state: 'failing',
      reason: `Dynamics 365 Sales: ${connectionProblem(settings.value.crmUrl, who.error).problem}`,
    };
  return { state: 'ok' };
}

/** Forgets the cached answers (after the connection changed, and in tests). */
export function resetCrmHealth(): void {
  cache.clear();
}
