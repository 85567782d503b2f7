import type { RunningCrmEmulator } from '../../src/crm-emulator/server.ts';
import { crmToken } from '../helpers/crm-emulator.ts';

export interface CrmResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  json: any;
}

/** A tiny Web API caller for contract tests: real HTTP, a real token. */
export async function apiClient(
  emulator: RunningCrmEmulator & { clientId: string; clientSecret: string },
) {
  const token = await crmToken(emulator, emulator.clientId, emulator.clientSecret);
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<CrmResponse> {
    const res = await fetch(path.startsWith('http') ? path : `${emulator.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'odata-version': '4.0',
        'odata-maxversion': '4.0',
        ...(body !== undefined && typeof body !== 'string'
          ? { 'content-type': 'application/json' }
          : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  return {
    token,
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) =>
      call('PATCH', path, body, headers),
    del: (path: string, headers?: Record<string, string>) =>
      call('DELETE', path, undefined, headers),
    /** Creates a record and returns its id (from OData-EntityId). */
    async create(set: string, body: unknown): Promise<string> {
      const r = await call('POST', set, body);
      if (r.status !== 204) throw new Error(`create ${set} failed: ${r.status} ${r.text}`);
      const id = /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('odata-entityid') ?? '')?.[1];
      if (!id) throw new Error('no OData-EntityId');
      return id;
    },
  };
}

export type ApiClient = Awaited<ReturnType<typeof apiClient>>;
