import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crmToken, startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { apiClient } from './api-client.ts';
import { useCrmEmulator } from './emulator-fixture.ts';

const crm = useCrmEmulator({ tokenLifetimeSeconds: 2 });

const tokenRequest = (fields: Record<string, string>) =>
  fetch(crm.emulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

test('token endpoint: client credentials as Entra ID answers them', async () => {
  const ok = await tokenRequest({
    grant_type: 'client_credentials',
    client_id: crm.emulator.clientId,
    client_secret: crm.emulator.clientSecret,
    scope: `${crm.emulator.baseUrl}/.default`,
  });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as Record<string, unknown>;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 1);
  assert.equal(typeof body.access_token, 'string');
  const wrong = await tokenRequest({
    grant_type: 'client_credentials',
    client_id: crm.emulator.clientId,
    client_secret: 'wrong',
    scope: `${crm.emulator.baseUrl}/.default`,
  });
  assert.equal(wrong.status, 401);
  const err = (await wrong.json()) as { error: string; error_description: string };
  assert.equal(err.error, 'invalid_client');
  assert.match(err.error_description, /^AADSTS7000215: Invalid client secret provided\./);
  const discovery = await fetch(`${crm.emulator.authority}/v2.0/.well-known/openid-configuration`);
  assert.equal(
    ((await discovery.json()) as { token_endpoint: string }).token_endpoint,
    crm.emulator.tokenUrl,
  );
});

test('every API call needs a valid, unexpired token', async () => {
  assert.equal((await fetch(`${crm.emulator.apiUrl}accounts`)).status, 401);
  const forged = await fetch(`${crm.emulator.apiUrl}accounts`, {
    headers: { authorization: `Bearer ${crm.api.token.slice(0, -2)}xx` },
  });
  assert.equal(forged.status, 401);
  const token = await crmToken(crm.emulator, crm.emulator.clientId, crm.emulator.clientSecret);
  assert.equal(
    (await fetch(`${crm.emulator.apiUrl}WhoAmI`, { headers: { authorization: `Bearer ${token}` } }))
      .status,
    200,
  );
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal(
    (await fetch(`${crm.emulator.apiUrl}WhoAmI`, { headers: { authorization: `Bearer ${token}` } }))
      .status,
    401,
  );
});

test('fault injection answers 429/503 with Retry-After and does nothing', async () => {
  const fresh = await apiClient(crm.emulator);
  crm.emulator.setFaults({ rate: 1, statuses: [429], retryAfterSeconds: 3 });
  const before = crm.emulator.stats();
  const r = await fresh.post('accounts', { name: 'Faulted' });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '3');
  assert.equal(r.json.error.code, '0x80072322');
  crm.emulator.setFaults({ rate: 1, statuses: [503] });
  assert.equal((await fresh.post('accounts', { name: 'Faulted' })).status, 503);
  crm.emulator.setFaults(undefined);
  assert.equal(crm.emulator.stats().faults, before.faults + 2);
  const count = await fresh.get(`accounts/$count?$filter=name eq 'Faulted'`);
  assert.equal(count.text, '0');
});

test('faults inside an accepted $batch answer single parts and run nothing', async () => {
  const fresh = await apiClient(crm.emulator);
  crm.emulator.setFaults({ rate: 0, batchOperationRate: 1, statuses: [429], retryAfterSeconds: 2 });
  const b = 'batch_f';
  const op = (name: string) => [
    `--${b}`,
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    'POST accounts HTTP/1.1',
    'Content-Type: application/json',
    '',
    JSON.stringify({ name }),
  ];
  const body = [...op('In batch fault'), ...op('In batch fault'), `--${b}--`, ''].join('\r\n');
  const r = await fresh.call('POST', '$batch', body, {
    'content-type': `multipart/mixed; boundary=${b}`,
    prefer: 'odata.continue-on-error',
  });
  crm.emulator.setFaults(undefined);
  assert.equal(r.status, 200, r.text);
  assert.equal([...r.text.matchAll(/HTTP\/1\.1 429/g)].length, 2);
  assert.match(r.text, /Retry-After: 2/);
  const count = await fresh.get(`accounts/$count?$filter=name eq 'In batch fault'`);
  assert.equal(count.text, '0');
});

test('service protection limits: requests per window', async () => {
  const limited = await startTestCrmEmulator(crm.db, {
    limits: { requestsPerWindow: 3, windowSeconds: 60 },
  });
  try {
    const c = await apiClient(limited);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.get('WhoAmI')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const r = await c.get('WhoAmI');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.json.error.code, '0x80072322');
  } finally {
    await limited.stop();
  }
});
