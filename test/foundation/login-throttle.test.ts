import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LOGIN_THROTTLE } from '../../src/server/auth/throttle.ts';
import { createUser } from '../../src/server/auth/users.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The server trusts the loopback proxy, so X-Forwarded-For / X-Forwarded-Proto play the clients.
let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let direct: TestServer;

before(async () => {
  db = await createMigratedDb('throttle');
  server = await startTestServer(db, undefined, { KOBLING_TRUST_PROXY: 'loopback' });
  direct = await startTestServer(db);
  for (const username of ['ada', 'bob', 'cyd'])
    assert.ok((await createUser(db, { username, password: 'the real one', role: 'admin' })).ok);
});
after(async () => {
  await server.close();
  await direct.close();
  await db.drop();
});

const login = (s: TestServer, username: string, password: string, headers = {}) =>
  fetch(`${s.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
const from = (address: string) => ({ 'x-forwarded-for': address });

test('after the free attempts an address waits a growing delay, even with the right password', async () => {
  const statuses: number[] = [];
  for (let i = 0; i <= LOGIN_THROTTLE.freePerAddress; i++)
    statuses.push((await login(server, 'ada', `guess ${i}`, from('10.1.0.1'))).status);
  assert.deepEqual(statuses, [...Array(LOGIN_THROTTLE.freePerAddress).fill(401), 429]);
  const right = await login(server, 'ada', 'the real one', from('10.1.0.1'));
  assert.equal(right.status, 429, 'a throttled attempt is not checked');
  assert.ok(Number(right.headers.get('retry-after')) >= 1);
  const body = (await right.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'too_many_requests');
  // The delay grows: once it has passed, one attempt is checked and the next delay is longer.
  await new Promise((r) => setTimeout(r, LOGIN_THROTTLE.firstDelaySeconds * 1000 + 200));
  assert.equal((await login(server, 'ada', 'still wrong', from('10.1.0.1'))).status, 401);
  const next = await login(server, 'ada', 'the real one', from('10.1.0.1'));
  assert.equal(next.status, 429);
  assert.ok(Number(next.headers.get('retry-after')) > LOGIN_THROTTLE.firstDelaySeconds);
});

test('a familiar address keeps working while strangers from many addresses are throttled', async () => {
  assert.equal((await login(server, 'bob', 'the real one', from('10.2.0.1'))).status, 200);
  let throttled = 0;
  for (let i = 0; i < 30; i++) {
    const r = await login(server, 'bob', `guess ${i}`, from(`10.9.${i}.1`));
    if (r.status === 429) throttled++;
  }
  assert.ok(throttled >= 30 - LOGIN_THROTTLE.freeUnfamiliar - 2, `throttled ${throttled}`);
  const stranger = await login(server, 'bob', 'the real one', from('10.9.99.1'));
  assert.equal(stranger.status, 429, 'a new address shares the throttled unfamiliar bucket');
  const familiar = await login(server, 'bob', 'the real one', from('10.2.0.1'));
  assert.equal(familiar.status, 200, 'the familiar address is not locked out');
});

test('one address hammering one user does not lock out other users behind it', async () => {
  for (let i = 0; i < 30; i++) await login(server, 'nobody', `guess ${i}`, from('10.3.0.1'));
  assert.equal((await login(server, 'cyd', 'the real one', from('10.3.0.1'))).status, 200);
});

test('a parallel burst cannot check more passwords than the throttle allows', async () => {
  await createUser(db, { username: 'burst', password: 'the real one', role: 'readOnly' });
  const attempts = Array.from({ length: 120 }, (_, i) =>
    login(server, 'burst', i === 37 ? 'the real one' : `guess ${i}`, from('10.4.0.1')),
  );
  const statuses = (await Promise.all(attempts)).map((r) => r.status);
  const checked = statuses.filter((s) => s !== 429).length;
  assert.ok(checked <= LOGIN_THROTTLE.freePerAddress + 1, `${checked} passwords checked`);
  assert.equal(statuses.filter((s) => s === 500).length, 0);
});

test('the session cookie is Secure behind a trusted TLS proxy, and only then', async () => {
  const proxied = await login(server, 'cyd', 'the real one', {
    ...from('10.3.0.1'),
    'x-forwarded-proto': 'https',
  });
  assert.equal(proxied.status, 200);
  assert.match(proxied.headers.get('set-cookie') ?? '', /;\s*Secure/i);
  const plain = await login(server, 'cyd', 'the real one', from('10.3.0.1'));
  assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /;\s*Secure/i);
  const untrusted = await login(direct, 'cyd', 'the real one', { 'x-forwarded-proto': 'https' });
  assert.equal(untrusted.status, 200);
  assert.doesNotMatch(
    untrusted.headers.get('set-cookie') ?? '',
    /;\s*Secure/i,
    'X-Forwarded-Proto from an untrusted client is ignored',
  );
});
