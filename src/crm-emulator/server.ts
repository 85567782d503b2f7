import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Db } from '../db/db.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { clientErrorStatus, rawErrorResponse } from '../shared/http-client-errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { AlternateKeys } from './api/alternate-keys.ts';
import { executeBatch } from './api/batch.ts';
import { dispatch, errorResponse } from './api/router.ts';
import type { ApiRequest, ApiResponse, Caller, OrgFacts, RequestContext } from './api/types.ts';
import { registerClient } from './auth/clients.ts';
import { impersonate } from './auth/impersonation.ts';
import { issueToken, openIdConfiguration, type TokenIssuer } from './auth/token-endpoint.ts';
import { isOrgResource, verifyToken } from './auth/tokens.ts';
import { entityByName } from './catalogue/index.ts';
import { CODES, CrmError, errorBody } from './errors.ts';
import { parsePrefer } from './odata/prefer.ts';
import './operations.ts';
import './rules/index.ts';
import './metadata.ts';
import { causedByShutdown } from '../shared/stopping.ts';
import {
  type FaultSettings,
  injectedFault,
  type LimitSettings,
  ServiceLimits,
} from './protection.ts';
import { type BaseCurrency, seedBaseData } from './seed.ts';

export type { FaultSettings, LimitSettings } from './protection.ts';

export interface CrmEmulatorOptions {
  db: Db;
  host?: string;
  port: number;
  logger: Logger;
  /** Application users allowed to get tokens (each becomes a systemuser with applicationid). */
  clients: { clientId: string; clientSecret: string; name?: string; generated?: boolean }[];
  tenantId?: string;
  tokenLifetimeSeconds?: number;
  faults?: FaultSettings;
  limits?: LimitSettings;
  baseCurrency?: BaseCurrency;
  /** Alternate keys by table, e.g. `{ account: [['accountnumber']] }` (none by default). */
  alternateKeys?: AlternateKeys;
  /** Time source for records, tokens and service-protection windows (tests pin it). */
  clock?: Clock;
}

export interface RunningCrmEmulator {
  baseUrl: string;
  apiUrl: string;
  tokenUrl: string;
  authority: string;
  tenantId: string;
  /** The organization it emulates (WhoAmI's OrganizationId). */
  organizationId: string;
  setFaults(f: FaultSettings | undefined): void;
  stats(): { requests: number; faults: number; batchOperations: number };
  stop(): Promise<void>;
}

export const DEFAULT_TENANT_ID = '4b1d0000-c0de-4e1a-9b1e-000000000001';
const MAX_BODY = 256 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new CrmError(413, CODES.invalidArgument, 'The request body is too large.'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: ApiResponse): void {
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

/** Declared alternate keys must name plain columns of known tables (they reach SQL as names). */
function checkedAlternateKeys(keys: AlternateKeys | undefined): AlternateKeys | undefined {
  for (const [table, list] of Object.entries(keys ?? {})) {
    const entity = entityByName(table);
    for (const key of list) {
      const bad = key.find((c) => {
        const def = entity?.columns[c];
        return !def || def.type === 'lookup' || def.readOnly || !/^[a-z0-9_]+$/.test(c);
      });
      if (!entity || bad || key.length === 0) {
        throw new Error(`Invalid alternate key ${table}(${key.join(',')})`);
      }
    }
  }
  return keys;
}

const unauthorized = (issuer: TokenIssuer): ApiResponse => ({
  status: 401,
  headers: {
    'WWW-Authenticate': `Bearer authorization_uri=${issuer.baseUrl}/${issuer.tenantId}/oauth2/authorize, resource_id=${issuer.baseUrl}/`,
    'OData-Version': '4.0',
  },
});

/**
 * Starts the CRM emulator: a Dataverse Web API v9.2 server for the Dynamics 365 Sales tables over
 * the `crm` schema, with an Entra-ID-shaped token endpoint for its application users.
 */
export async function startCrmEmulator(options: CrmEmulatorOptions): Promise<RunningCrmEmulator> {
  const { db, logger } = options;
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const alternateKeys = checkedAlternateKeys(options.alternateKeys);
  const clock = options.clock ?? systemClock;
  const seeded = await seedBaseData(db, options.baseCurrency, undefined, clock);
  const org: OrgFacts = seeded;
  for (const c of options.clients)
    await registerClient(db, org, c, seeded.systemUserId, clock.now());
  let faults = options.faults;
  const limits = options.limits ? new ServiceLimits(options.limits, clock) : undefined;
  const counters = { requests: 0, faults: 0, batchOperations: 0 };
  const issuer: { -readonly [K in keyof TokenIssuer]: TokenIssuer[K] } = {
    key: randomBytes(32),
    baseUrl: '',
    tenantId,
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
  };
  // A request the process's stop cut off (its database pool closed under it) is expected on the
  // way out: one info line with why, not a warning with a stack per request.
  const onError = (err: unknown) =>
    causedByShutdown(err)
      ? logger.info(
          { reason: err instanceof Error ? err.message : String(err) },
          'CRM emulator request stopped by shutdown',
        )
      : logger.error({ err }, 'CRM emulator request failed');

  async function api(req: ApiRequest): Promise<ApiResponse> {
    counters.requests++;
    // A faulted request is rejected before anything else, so it has no effect.
    const fault = injectedFault(faults);
    if (fault) {
      counters.faults++;
      return fault;
    }
    const auth = req.headers.authorization ?? '';
    const claims = auth.startsWith('Bearer ')
      ? verifyToken(issuer.key, auth.slice(7).trim(), Math.floor(clock.now().getTime() / 1000))
      : undefined;
    // A token for another resource is refused as Dataverse does, even when its signature is good.
    if (!claims || !isOrgResource(claims.aud, issuer.baseUrl)) return unauthorized(issuer);
    const app: Caller = { clientId: claims.appid, systemUserId: claims.oid };
    const admitted = limits?.admit(app.clientId);
    if (admitted && !('done' in admitted)) return admitted;
    try {
      const caller = await impersonate(db, app, req.headers);
      if (faults?.latencyMs) await new Promise((r) => setTimeout(r, faults?.latencyMs));
      const ctx: RequestContext = {
        db,
        caller,
        org,
        apiUrl: `${issuer.baseUrl}/api/data/v9.2/`,
        now: clock.now(),
        prefs: parsePrefer(req.headers.prefer),
        alternateKeys,
      };
      if (/^\/api\/data\/v9\.[0-2]\/\$batch$/.test(req.url.pathname)) {
        if (req.method !== 'POST') {
          throw new CrmError(405, CODES.notSupported, 'A $batch request must be a POST.');
        }
        return await executeBatch(ctx, req, {
          onOperations: (n) => {
            counters.batchOperations += n;
          },
          onError,
          fault: () => {
            const rate = faults?.batchOperationRate ?? 0;
            const f = rate > 0 ? injectedFault({ ...faults!, rate }) : undefined;
            if (f) counters.faults++;
            return f;
          },
        });
      }
      return await dispatch(ctx, req, undefined, onError);
    } catch (err) {
      if (!(err instanceof CrmError)) onError(err);
      return errorResponse(err);
    } finally {
      admitted?.done();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer.baseUrl);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const body = await readBody(req);
    const path = url.pathname;
    if (path.startsWith('/api/data/')) {
      return send(res, await api({ method: req.method ?? 'GET', url, headers, body }));
    }
    if (req.method === 'POST' && path === `/${tenantId}/oauth2/v2.0/token`) {
      return send(res, await issueToken(db, issuer, body, headers.authorization, clock.now()));
    }
    if (
      req.method === 'GET' &&
      (path === `/${tenantId}/v2.0/.well-known/openid-configuration` ||
        path === `/${tenantId}/.well-known/openid-configuration`)
    ) {
      return send(res, openIdConfiguration(issuer));
    }
    if (req.method === 'GET' && path === `/${tenantId}/discovery/v2.0/keys`) {
      return send(res, {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: '{"keys":[]}',
      });
    }
    send(res, {
      status: 404,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(errorBody(CODES.resourceNotFound, `No resource at '${path}'.`)),
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!(err instanceof CrmError)) onError(err);
      if (!res.headersSent) send(res, errorResponse(err));
      else res.destroy();
    });
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    if (err.code === 'ECONNRESET') return socket.destroy();
    const { status, message } = clientErrorStatus(err);
    const code = status === 431 || status === 400 ? CODES.invalidArgument : CODES.unexpected;
    rawErrorResponse(socket, status, JSON.stringify(errorBody(code, `${message}.`)));
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  issuer.baseUrl = baseUrl;
  logger.info({ baseUrl }, 'CRM emulator listening');
  return {
    baseUrl,
    apiUrl: `${baseUrl}/api/data/v9.2/`,
    tokenUrl: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
    authority: `${baseUrl}/${tenantId}`,
    tenantId,
    organizationId: org.organizationId,
    setFaults(f) {
      faults = f;
    },
    stats: () => ({ ...counters }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
