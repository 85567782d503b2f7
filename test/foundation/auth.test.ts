import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../../src/server/auth/users.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;

before(async () => {
  db = await createMigratedDb('auth');
  server = await startTestServer(db);
  const u = await createUser(db, {
    username: 'olga',
    password: 'right password',
    role: 'orderProcessor',
  });
  assert.ok(u.ok);
});
after(async () => {
  await server.close();
  await db.drop();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

test('health and readiness answer without login', async () => {
  assert.deepEqual(await (await fetch(`${server.baseUrl}/health`)).json(), { status: 'ok' });
  const ready = await fetch(`${server.baseUrl}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), {
    status: 'ready',
    checks: { database: 'ok', jobQueue: 'not used', crm: 'not enabled' },
  });
});

test('unauthenticated requests get 401 with the error body', async () => {
  const res = await fetch(`${server.baseUrl}/api/auth/me`);
  assert.equal(res.status, 401);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'unauthenticated');
  const bogus = await fetch(`${server.baseUrl}/api/auth/me`, {
    headers: { authorization: 'Bearer kbl_nonsense' },
  });
  assert.equal(bogus.status, 401);
});

test('a wrong password and an unknown user get the same 401, with no hint which part was wrong', async () => {
  const wrong = await post(
    '/api/auth/token',
    JSON.stringify({ username: 'olga', password: 'wrong password' }),
  );
  const unknown = await post(
    '/api/auth/token',
    JSON.stringify({ username: 'nobody', password: 'right password' }),
  );
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(await wrong.json(), await unknown.json());
});

test('a token from /api/auth/token authenticates API calls', async () => {
  const res = await post(
    '/api/auth/token',
    JSON.stringify({ username: 'OLGA', password: 'right password' }),
  );
  assert.equal(res.status, 200);
  const { token } = (await res.json()) as { token: string };
  assert.match(token, /^kbl_/);
  const me = await fetch(`${server.baseUrl}/api/auth/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(me.status, 200);
  const user = (await me.json()) as { username: string; role: string };
  assert.equal(user.username, 'olga');
  assert.equal(user.role, 'orderProcessor');
  assert.equal('password_hash' in user, false);
});

test('login sets a session cookie that authenticates, and logout ends it', async () => {
  const res = await post(
    '/api/auth/login',
    JSON.stringify({ username: 'olga', password: 'right password' }),
  );
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /kobling_session=[^;]+; .*HttpOnly/i);
  const session = cookie.split(';')[0]!;
  const me = await fetch(`${server.baseUrl}/api/auth/me`, { headers: { cookie: session } });
  assert.equal(me.status, 200);
  const out = await fetch(`${server.baseUrl}/api/auth/logout`, {
    method: 'POST',
    headers: { cookie: session },
  });
  assert.equal(out.status, 204);
  const after = await fetch(`${server.baseUrl}/api/auth/me`, { headers: { cookie: session } });
  assert.equal(after.status, 401);
});

test('malformed JSON gets 400 invalid_json, unknown fields 400 unknown_field', async () => {
  const bad = await post('/api/auth/token', '{"username": "olga", ');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid_json');
  const extra = await post(
    '/api/auth/token',
    JSON.stringify({ username: 'olga', password: 'x', admin: true }),
  );
  assert.equal(extra.status, 400);
  const body = (await extra.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'unknown_field');
  assert.match(body.error.message, /admin/);
  const missing = await post('/api/auth/token', JSON.stringify({ username: 'olga' }));
  assert.equal(missing.status, 400);
  assert.equal(
    ((await missing.json()) as { error: { code: string } }).error.code,
    'validation_failed',
  );
});

test('roles: only admins create users; read-only users cannot write', async () => {
  const readOnly = await server.tokenFor('readOnly');
  const admin = await server.tokenFor('admin');
  const newUser = JSON.stringify({ username: 'pia', password: 'long enough', role: 'readOnly' });
  const denied = await post('/api/auth/users', newUser, { authorization: `Bearer ${readOnly}` });
  assert.equal(denied.status, 403);
  assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'forbidden');
  const created = await post('/api/auth/users', newUser, { authorization: `Bearer ${admin}` });
  assert.equal(created.status, 201);
  const dup = await post('/api/auth/users', newUser, { authorization: `Bearer ${admin}` });
  assert.equal(dup.status, 409);
});

test('unknown routes answer 404 in the error format; OpenAPI is served at /docs', async () => {
  const token = await server.tokenFor('readOnly');
  const res = await fetch(`${server.baseUrl}/api/nothing-here`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
  const docs = await fetch(`${server.baseUrl}/docs/json`);
  assert.equal(docs.status, 200);
  const spec = (await docs.json()) as { openapi: string; paths: Record<string, unknown> };
  assert.match(spec.openapi, /^3\./);
  assert.ok(spec.paths['/api/auth/token']);
});
