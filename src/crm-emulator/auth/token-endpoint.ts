import type { Db } from '../../db/db.ts';
import { unstorableCharacter } from '../../shared/input-checks.ts';
import { type ApiResponse, jsonResponse } from '../api/types.ts';
import { findClient } from './clients.ts';
import { isOrgResource, secretMatches, signToken } from './tokens.ts';

export interface TokenIssuer {
  readonly key: Buffer;
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly lifetimeSeconds: number;
}

const stamp = (now: Date) => `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;

const traceIds = (now: Date) =>
  `Trace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${stamp(now)}`;

/** An Entra ID style OAuth error. */
function oauthError(
  now: Date,
  status: number,
  error: string,
  aadsts: string,
  text: string,
): ApiResponse {
  return jsonResponse(
    status,
    {
      error,
      error_description: `${aadsts}: ${text} ${traceIds(now)}`,
      error_codes: [Number(aadsts.slice(6))],
      timestamp: stamp(now),
      trace_id: crypto.randomUUID(),
      correlation_id: crypto.randomUUID(),
    },
    { 'Cache-Control': 'no-store, no-cache' },
  );
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** `POST /<tenant>/oauth2/v2.0/token` with the client-credentials grant. */
export async function issueToken(
  db: Db,
  issuer: TokenIssuer,
  body: string,
  authorization: string | undefined,
  now: Date,
): Promise<ApiResponse> {
  const form = new URLSearchParams(body);
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  if (authorization?.startsWith('Basic ')) {
    const [id, s] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId = decoded(id ?? '');
    secret = decoded(s ?? '');
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return oauthError(
      now,
      400,
      'unsupported_grant_type',
      'AADSTS70003',
      'The app requested an unsupported grant type.',
    );
  }
  const scope = form.get('scope') ?? '';
  if (!scope.trim().endsWith('/.default')) {
    return oauthError(
      now,
      400,
      'invalid_scope',
      'AADSTS1002012',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  // An id PostgreSQL cannot hold (NUL, lone surrogate) names no client; it is never looked up.
  const client =
    clientId && !unstorableCharacter(clientId) ? await findClient(db, clientId) : undefined;
  if (!client) {
    return oauthError(
      now,
      400,
      'unauthorized_client',
      'AADSTS700016',
      `Application with identifier '${clientId}' was not found in the directory '${issuer.tenantId}'.`,
    );
  }
  if (!secret || !secretMatches(secret, client.secretHash)) {
    return oauthError(
      now,
      401,
      'invalid_client',
      'AADSTS7000215',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }
  const resource = scope.trim().slice(0, -'/.default'.length);
  if (!isOrgResource(resource, issuer.baseUrl)) {
    return oauthError(
      now,
      400,
      'invalid_resource',
      'AADSTS500011',
      `The resource principal named ${resource} was not found in the tenant named ${issuer.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const lifetime = issuer.lifetimeSeconds;
  const token = signToken(issuer.key, {
    aud: resource,
    iss: `https://sts.windows.net/${issuer.tenantId}/`,
    tid: issuer.tenantId,
    appid: client.clientId,
    oid: client.systemUserId,
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + lifetime,
  });
  return jsonResponse(
    200,
    {
      token_type: 'Bearer',
      expires_in: lifetime - 1,
      ext_expires_in: lifetime - 1,
      access_token: token,
    },
    { 'Cache-Control': 'no-store, no-cache' },
  );
}

/** The OpenID discovery document clients (MSAL) look up for an authority. */
export function openIdConfiguration(issuer: TokenIssuer): ApiResponse {
  const authority = `${issuer.baseUrl}/${issuer.tenantId}`;
  return jsonResponse(200, {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authority}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${authority}/openid/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'oid', 'appid'],
    kerberos_endpoint: `${authority}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: new URL(issuer.baseUrl).host,
    cloud_graph_host_name: new URL(issuer.baseUrl).host,
    msgraph_host: new URL(issuer.baseUrl).host,
    rbac_url: issuer.baseUrl,
  });
}
