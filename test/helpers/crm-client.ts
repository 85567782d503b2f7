import { clientCredentialsProvider, DataverseClient } from '../../src/dataverse/index.ts';

/** A Dataverse client for an emulator's application user (quick retries, as tests want them). */
export function crmClientFor(
  emulator: { readonly baseUrl: string; readonly tokenUrl: string },
  c: { readonly clientId: string; readonly clientSecret: string },
): DataverseClient {
  return new DataverseClient({
    orgUrl: emulator.baseUrl,
    tokenProvider: clientCredentialsProvider({
      tokenUrl: emulator.tokenUrl,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      scope: `${emulator.baseUrl}/.default`,
    }),
    retry: { baseDelayMs: 10, maxDelayMs: 100 },
  });
}
