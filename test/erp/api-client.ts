import type { TestServer } from '../helpers/server.ts';

/** A tiny client for the ERP API of a test server, with a bearer token. */
export function erpClient(server: TestServer, token: string, companyId: string) {
  const base = `${server.baseUrl}/api/v2.0/companies(${companyId})`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(path.startsWith('http') ? path : `${base}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: res.status, body: json, headers: res.headers };
  };
  return {
    base,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
    /** A bound action asking for its outcome (BC answers 204 without the preference). */
    action: (path: string, body?: unknown) =>
      call('POST', path, body ?? {}, { prefer: 'return=representation' }),
    patch: (path: string, body: unknown, etag?: string) =>
      call('PATCH', path, body, etag ? { 'if-match': etag } : {}),
    delete: (path: string, etag?: string) =>
      call('DELETE', path, undefined, etag ? { 'if-match': etag } : {}),
  };
}
