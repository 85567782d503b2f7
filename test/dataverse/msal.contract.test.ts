import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { INetworkModule, NetworkRequestOptions } from '@azure/msal-node';
import { DataverseClient } from '../../src/dataverse/client.ts';
import { msalProvider } from '../../src/dataverse/msal-provider.ts';
import { type Fixture, startFixture } from './emulator-fixture.ts';

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.stop();
});

const AUTHORITY_HOST = 'login.kobling.test';

/**
 * MSAL only talks to HTTPS authorities, so the test names one and routes MSAL's own network
 * module to the loopback emulator (which serves the OpenID discovery document and the token
 * endpoint). MSAL itself runs unmodified: discovery, client credentials, caching.
 */
function loopbackNetwork(baseUrl: string): INetworkModule & { calls: string[] } {
  const calls: string[] = [];
  const send = async (method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => {
    const target = url.replace(`https://${AUTHORITY_HOST}`, baseUrl);
    calls.push(`${method} ${new URL(target).pathname}`);
    const res = await fetch(target, { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body: (await res.json()) as never };
  };
  return {
    calls,
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

test('msalProvider gets tokens through MSAL from an Entra-shaped authority', async () => {
  const network = loopbackNetwork(f.crm.baseUrl);
  const provider = msalProvider({
    tenantId: f.crm.tenantId,
    clientId: f.crm.clientId,
    clientSecret: f.crm.clientSecret,
    authority: `https://${AUTHORITY_HOST}/${f.crm.tenantId}`,
    knownAuthorities: [AUTHORITY_HOST],
    scope: `${f.crm.baseUrl}/.default`,
    networkClient: network,
  });
  const client = new DataverseClient({ orgUrl: f.crm.baseUrl, tokenProvider: provider });
  const me = await client.whoAmI();
  assert.ok(me.ok, JSON.stringify(me));
  assert.ok((await client.whoAmI()).ok);
  // MSAL cached the token: one token request for both calls.
  assert.equal(network.calls.filter((c) => c.startsWith('POST')).length, 1);
});

test('msalProvider reports a wrong secret as a typed authentication error', async () => {
  const provider = msalProvider({
    tenantId: f.crm.tenantId,
    clientId: f.crm.clientId,
    clientSecret: 'not-the-secret-at-all',
    authority: `https://${AUTHORITY_HOST}/${f.crm.tenantId}`,
    knownAuthorities: [AUTHORITY_HOST],
    scope: `${f.crm.baseUrl}/.default`,
    networkClient: loopbackNetwork(f.crm.baseUrl),
  });
  const token = await provider.getToken();
  assert.ok(!token.ok);
  assert.equal(token.error.code, 'authentication_failed');
  assert.match(token.error.message, /invalid_client|AADSTS7000215/);
  assert.ok(!token.error.message.includes('not-the-secret-at-all'));
});

test('msalProvider refuses a plain-HTTP authority with a typed error', async () => {
  const provider = msalProvider({
    tenantId: f.crm.tenantId,
    clientId: f.crm.clientId,
    clientSecret: f.crm.clientSecret,
    authority: f.crm.authority,
    scope: `${f.crm.baseUrl}/.default`,
  });
  const token = await provider.getToken();
  assert.ok(!token.ok);
  assert.equal(token.error.code, 'invalid_request');
  assert.match(token.error.message, /https/i);
});
