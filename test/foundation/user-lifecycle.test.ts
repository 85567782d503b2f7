import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../../src/server/auth/users.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let admin: string;

before(async () => {
  db = await createMigratedDb('users');
  server = await startTestServer(db);
  admin = await server.tokenFor('admin', 'root');
});
after(async () => {
  await server.close();
  await db.drop();
});

const call = (method: string, path: string, token: string, body?: unknown) =>
  fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const loginFor = async (username: string) => {
  const r = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'the real one' }),
  });
  assert.equal(r.status, 200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
};

test('disabling a user stops their session and tokens at once; enabling brings the tokens back', async () => {
  assert.ok((await createUser(db, { username: 'eve', password: 'the real one' })).ok);
  const cookie = await loginFor('eve');
  const tokenRes = await fetch(`${server.baseUrl}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'eve', password: 'the real one', expiresInDays: 7 }),
  });
  const issued = (await tokenRes.json()) as { token: string; id: string; expiresAt: string };
  assert.ok(issued.expiresAt, 'the token expires');
  assert.equal((await call('GET', '/api/auth/me', issued.token)).status, 200);

  const disabled = await call('PATCH', '/api/auth/users/eve', admin, { disabled: true });
  assert.equal(disabled.status, 200);
  assert.equal(((await disabled.json()) as { disabled: boolean }).disabled, true);
  assert.equal((await call('GET', '/api/auth/me', issued.token)).status, 401);
  const bySession = await fetch(`${server.baseUrl}/api/auth/me`, { headers: { cookie } });
  assert.equal(bySession.status, 401);

  await call('PATCH', '/api/auth/users/eve', admin, { disabled: false });
  assert.equal((await call('GET', '/api/auth/me', issued.token)).status, 200);
  assert.equal(
    (await fetch(`${server.baseUrl}/api/auth/me`, { headers: { cookie } })).status,
    401,
    'sessions ended by disabling stay ended',
  );
});

test('tokens are listed without their text and can be revoked by their owner or an admin', async () => {
  assert.ok((await createUser(db, { username: 'finn', password: 'the real one' })).ok);
  const own = await (
    await fetch(`${server.baseUrl}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'finn', password: 'the real one', name: 'script' }),
    })
  ).json();
  const { token, id } = own as { token: string; id: string };
  const second = (await (
    await call('POST', '/api/auth/tokens', token, { name: 'second' })
  ).json()) as { token: string; id: string };
  const listed = (await (await call('GET', '/api/auth/tokens', token)).json()) as {
    value: { id: string; name: string }[];
  };
  assert.deepEqual(listed.value.map((t) => t.name).sort(), ['script', 'second']);
  assert.ok(!JSON.stringify(listed).includes(token.slice(4)), 'no token text');
  assert.equal((await call('GET', '/api/auth/tokens?all=true', token)).status, 403);
  assert.equal((await call('DELETE', `/api/auth/tokens/${second.id}`, token)).status, 204);
  assert.equal((await call('GET', '/api/auth/me', second.token)).status, 401);
  assert.equal((await call('DELETE', `/api/auth/tokens/${id}`, admin)).status, 204);
  assert.equal((await call('GET', '/api/auth/me', token)).status, 401);
  assert.equal((await call('DELETE', `/api/auth/tokens/${id}`, admin)).status, 404);
});

test('the last enabled admin can be neither disabled, demoted nor deleted; users are listed', async () => {
  const list = (await (await call('GET', '/api/auth/users', admin)).json()) as {
    value: { username: string; role: string }[];
  };
  assert.deepEqual(
    list.value.filter((u) => u.role === 'admin').map((u) => u.username),
    ['root'],
  );
  for (const [method, body] of [
    ['PATCH', { disabled: true }],
    ['PATCH', { role: 'readOnly' }],
    ['DELETE', undefined],
  ] as const) {
    const r = await call(method, '/api/auth/users/root', admin, body);
    assert.equal(r.status, 409);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'last_admin');
  }
  const other = await server.tokenFor('admin', 'second-admin');
  assert.equal(
    (await call('PATCH', '/api/auth/users/root', other, { disabled: true })).status,
    200,
  );
  assert.equal((await call('GET', '/api/auth/me', admin)).status, 401);
  assert.equal(
    (await call('DELETE', '/api/auth/users/second-admin', other)).status,
    409,
    'the remaining enabled admin stays',
  );
  assert.equal(
    (await call('PATCH', '/api/auth/users/root', other, { disabled: false })).status,
    200,
  );
  assert.equal((await call('DELETE', '/api/auth/users/second-admin', admin)).status, 204);
  assert.equal((await call('GET', '/api/auth/me', other)).status, 401);
  assert.equal((await call('GET', '/api/auth/users', other)).status, 401);
});
