import { fail, ok, type Result } from '../shared/result.ts';
import { type DataverseError, dataverseError, hostAndPort, redact } from './errors.ts';
import { sleep } from './throttle.ts';

/** Where the client gets its bearer tokens. Implementations cache and refresh on their own. */
export interface TokenProvider {
  getToken(): Promise<Result<string, DataverseError>>;
  /** Forgets a cached token (the API answered 401 with it). */
  invalidate?(): void;
}

/** Options of the plain OAuth2 client-credentials provider. */
export interface ClientCredentialsOptions {
  /** The token endpoint, e.g. `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `<org url>/.default`. */
  readonly scope: string;
  /** Refresh this long before expiry (default 5 minutes). */
  readonly refreshMarginMs?: number;
  /** Per-attempt timeout of the token request (default 30 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface CachedToken {
  readonly token: string;
  readonly refreshAt: number;
}

/**
 * OAuth2 client credentials over plain `fetch` (RFC 6749 §4.4), for the loopback emulator or any
 * standards-conforming server (MSAL refuses non-HTTPS authorities). The token is cached until
 * shortly before it expires, and concurrent callers share one in-flight token request.
 * A refused credential is `authentication_failed` at once; only 5xx/429/network failures of the
 * token endpoint are retried (twice), so a wrong secret never turns into a retry loop.
 */
export function clientCredentialsProvider(options: ClientCredentialsOptions): TokenProvider {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let cached: CachedToken | undefined;
  let inFlight: Promise<Result<string, DataverseError>> | undefined;

  async function requestToken(): Promise<Result<string, DataverseError>> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      scope: options.scope,
    });
    let last: DataverseError | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) await sleep(250 * 2 ** (attempt - 2));
      const result = await postForm(options.tokenUrl, form, options.timeoutMs ?? 30_000);
      if (!result.ok) {
        last = result.error;
        continue;
      }
      const { status, body } = result.value;
      if (status === 200) {
        const token = readToken(body);
        if (!token.ok) return token;
        const lifetime = token.value.expiresIn * 1000;
        const refreshIn = Math.max(lifetime - margin, lifetime / 2);
        cached = { token: token.value.accessToken, refreshAt: now() + refreshIn };
        return ok(token.value.accessToken);
      }
      last = tokenError(status, body, options.clientSecret);
      if (status !== 429 && status < 500) return fail(last);
    }
    return fail(last ?? dataverseError('authentication_failed', 'token request failed'));
  }

  return {
    async getToken() {
      if (cached && now() < cached.refreshAt) return ok(cached.token);
      if (!inFlight) {
        inFlight = requestToken().finally(() => {
          inFlight = undefined;
        });
      }
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** A fixed token (tests, or a token obtained elsewhere). */
export function staticTokenProvider(token: string): TokenProvider {
  return { getToken: async () => ok(token) };
}

async function postForm(
  url: string,
  form: URLSearchParams,
  timeoutMs: number,
): Promise<Result<{ status: number; body: string }, DataverseError>> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return ok({ status: res.status, body: await res.text() });
  } catch (err) {
    const timeout =
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const host = hostAndPort(url);
    const cause = causeOf(err);
    return fail(
      timeout
        ? dataverseError('timeout', `token request to ${new URL(url).host} timed out`, { host })
        : dataverseError(
            'network_error',
            `token request to ${new URL(url).host} failed: ${cause}`,
            { host, cause },
          ),
    );
  }
}

function readToken(
  body: string,
): Result<{ accessToken: string; expiresIn: number }, DataverseError> {
  try {
    const json = JSON.parse(body) as { access_token?: unknown; expires_in?: unknown };
    const expiresIn = Number(json.expires_in ?? 3600);
    if (typeof json.access_token !== 'string' || json.access_token === '' || !(expiresIn > 0)) {
      throw new Error('no access_token');
    }
    return ok({ accessToken: json.access_token, expiresIn });
  } catch {
    return fail(dataverseError('invalid_response', 'the token endpoint answered without a token'));
  }
}

/** `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret…"}`. */
function tokenError(status: number, body: string, secret: string): DataverseError {
  let error = '';
  let description = '';
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string') error = json.error;
    if (typeof json.error_description === 'string') description = json.error_description;
  } catch {
    description = body.slice(0, 200);
  }
  const text = redact([error, description].filter(Boolean).join(': ') || `HTTP ${status}`, [
    secret,
  ]);
  const code = status === 429 || status >= 500 ? 'http_error' : 'authentication_failed';
  return dataverseError(code, `token request refused: ${text}`, {
    status,
    dataverseCode: error || undefined,
  });
}

/** The innermost cause of a fetch failure, e.g. `ECONNREFUSED`. */
export function causeOf(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}
