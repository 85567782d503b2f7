import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError, hostAndPort } from './errors.ts';
import { causeOf } from './token-provider.ts';

/**
 * Whether anything answers at an organization's Web API address, before any token is asked for:
 * the token comes from another server (the authority), so a refused sign-in says nothing about the
 * organization's address. Any HTTP answer counts (Dataverse answers 401 without a token); only a
 * failed connection or no answer in time is `network_error` / `timeout`.
 */
export async function probeOrganization(
  orgUrl: string,
  timeoutMs = 10_000,
): Promise<Result<{ status: number }, DataverseError>> {
  const url = `${orgUrl.replace(/\/+$/, '')}/api/data/v9.2/`;
  const host = new URL(url).host;
  try {
    const res = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not needed; it is drained so the connection is released.
    await res.arrayBuffer();
    return ok({ status: res.status });
  } catch (err) {
    const timeout =
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const at = hostAndPort(url);
    return fail(
      timeout
        ? dataverseError('timeout', `${host} did not answer within ${timeoutMs / 1000} s`, {
            host: at,
          })
        : dataverseError('network_error', `connecting to ${host} failed (${why(err, url)})`, {
            host: at,
            cause: causeOf(err),
          }),
    );
  }
}

/** fetch refuses the ports browsers block (9, 25, …) before connecting, with a bare "bad port". */
function why(err: unknown, url: string): string {
  const cause = causeOf(err);
  return cause === 'bad port'
    ? `port ${new URL(url).port} is one HTTP clients refuse to use`
    : cause;
}
