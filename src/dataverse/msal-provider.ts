import {
  AuthError,
  ClientConfigurationError,
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  ServerError,
} from '@azure/msal-node';
import { fail, ok } from '../shared/result.ts';
import { dataverseError, redact } from './errors.ts';
import type { TokenProvider } from './token-provider.ts';

/** A certificate registered on the Entra app (instead of a client secret). */
export interface MsalCertificate {
  /** Hex SHA-256 thumbprint of the certificate. */
  readonly thumbprintSha256: string;
  /** PEM private key (`-----BEGIN PRIVATE KEY-----…`). */
  readonly privateKey: string;
  /** PEM public certificate chain, sent as x5c (needed for subject-name/issuer auth). */
  readonly x5c?: string;
}

export interface MsalProviderOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly certificate?: MsalCertificate;
  /** Defaults to `https://login.microsoftonline.com/<tenantId>`. Must be HTTPS (MSAL's rule). */
  readonly authority?: string;
  /** `https://<org>.crm.dynamics.com/.default`. */
  readonly scope: string;
  /** MSAL's network module, for proxies or tests. */
  readonly networkClient?: INetworkModule;
  /** Skips instance discovery (sovereign clouds, private authorities). */
  readonly knownAuthorities?: string[];
}

/**
 * Client credentials against Microsoft Entra ID through `@azure/msal-node`. MSAL keeps the token in
 * its in-memory cache and renews it before expiry, so `getToken()` is cheap to call per request.
 */
export function msalProvider(options: MsalProviderOptions): TokenProvider {
  if (!options.clientSecret === !options.certificate) {
    throw new Error('msalProvider needs exactly one of clientSecret and certificate');
  }
  const config: Configuration = {
    auth: {
      clientId: options.clientId,
      authority: options.authority ?? `https://login.microsoftonline.com/${options.tenantId}`,
      ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
      ...(options.certificate ? { clientCertificate: options.certificate } : {}),
      ...(options.knownAuthorities ? { knownAuthorities: options.knownAuthorities } : {}),
    },
    system: options.networkClient ? { networkClient: options.networkClient } : {},
  };
  let app: ConfidentialClientApplication | undefined;
  const secrets = [options.clientSecret, options.certificate?.privateKey];

  return {
    async getToken() {
      try {
        app ??= new ConfidentialClientApplication(config);
        const result = await app.acquireTokenByClientCredential({ scopes: [options.scope] });
        if (!result?.accessToken) {
          return fail(dataverseError('authentication_failed', 'Entra ID returned no access token'));
        }
        return ok(result.accessToken);
      } catch (err) {
        return fail(msalError(err, secrets));
      }
    },
  };
}

function msalError(err: unknown, secrets: (string | undefined)[]) {
  if (err instanceof ClientConfigurationError) {
    // e.g. authority_uri_insecure: MSAL accepts HTTPS authorities only.
    const text = redact(`${err.errorCode}: ${err.errorMessage || err.message}`, secrets);
    return dataverseError('invalid_request', `MSAL configuration: ${text}`);
  }
  if (err instanceof ServerError || err instanceof AuthError) {
    const text = redact(`${err.errorCode}: ${err.errorMessage || err.message}`, secrets);
    const network = /network|endpoints_resolution|timeout/i.test(err.errorCode);
    const status = err instanceof ServerError && err.status ? err.status : undefined;
    const code = network ? 'network_error' : 'authentication_failed';
    return dataverseError(code, `token request refused: ${text}`, {
      dataverseCode: err.errorCode || undefined,
      status,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return dataverseError(
    'authentication_failed',
    `token request failed: ${redact(message, secrets)}`,
  );
}
