import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LOGIN_THROTTLE } from '../../src/server/auth/throttle.ts';
import { createUser } from '../../src/server/auth/users.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;

before(async () => {
  db = await createMigratedDb('burst');
  server = await startTestServer(db);
  assert.ok((await createUser(db, { username: 'victim', password: 'the real one' })).ok);
});
after(async () => {
  await server.close();
  await db.drop();
});

test('200 parallel wrong passwords (a right one among them): no more passwords checked than the limit', async () => {
  const attempts = Array.from({ length: 200 }, (_, i) =>
    fetch(`${server.baseUrl}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'victim',
        password: i === 37 ? 'the real one' : `guess ${i}`,
      }),
    }).then((r) => r.status),
  );
  const statuses = await Promise.all(attempts);
  const checked = statuses.filter((s) => s === 401 || s === 200).length;
  assert.ok(
    checked <= LOGIN_THROTTLE.freePerAddress + 1,
    `${checked} passwords were checked (limit ${LOGIN_THROTTLE.freePerAddress})`,
  );
  assert.equal(statuses.filter((s) => s >= 500).length, 0);
  assert.equal(
    statuses.filter((s) => s === 429).length,
    200 - checked,
    'the rest were refused unchecked',
  );
});
