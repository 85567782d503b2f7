import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openDb } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { isDatabaseUnavailable } from '../../src/shared/database-errors.ts';
import { freePort } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { relayTo } from '../helpers/db-relay.ts';
import { startTestServer } from '../helpers/server.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('unavail');
});
after(async () => {
  await database.drop();
});

/** What a call fails with (the test fails when it does not fail). */
async function failureOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a failure');
}

test('the classifier tells a database that is gone from a statement it refused, with the errors pg really raises', async () => {
  // Nothing listens on the port: ECONNREFUSED.
  const nobody = new pg.Pool({
    connectionString: `postgres://x:y@127.0.0.1:${await freePort()}/x`,
  });
  const refused = await failureOf(() => nobody.query('SELECT 1'));
  await nobody.end();
  assert.equal(isDatabaseUnavailable(refused), true, String(refused));

  // The pool closed (a stop): pg-pool's own message.
  const db = openDb(database.url, { max: 2 });
  await db.query('SELECT 1');
  await db.close();
  assert.equal(isDatabaseUnavailable(await failureOf(() => db.query('SELECT 1'))), true);

  // An administrator ends the backend mid-query: 57P01, then "Connection terminated".
  const victim = new pg.Client({ connectionString: database.url });
  victim.on('error', () => {});
  await victim.connect();
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const running = failureOf(() => victim.query('SELECT pg_sleep(5)'));
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await new Promise((r) => setTimeout(r, 200));
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  await admin.end();
  const terminated = (await running) as { code?: string };
  assert.equal(isDatabaseUnavailable(terminated), true, String(terminated));
  await victim.end().catch(() => {});

  // A statement the database refused is not an outage; neither is a CRM request nobody answered.
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  const syntax = await failureOf(() => c.query('SELEC 1'));
  await c.end();
  assert.equal((syntax as { code?: string }).code, '42601');
  assert.equal(isDatabaseUnavailable(syntax), false);
  const crmDown = new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), {
      code: 'ECONNREFUSED',
    }),
  });
  assert.equal(isDatabaseUnavailable(crmDown), false);
  assert.equal(isDatabaseUnavailable(new Error('boom')), false);
});

test('a request whose database is unreachable answers 503 database_unavailable with Retry-After, not a 500', async () => {
  const setup = openDb(database.url, { max: 2 });
  await migrate(setup);
  await setup.close();
  const relay = await relayTo(database.url);
  const db = openDb(relay.url, { max: 4 });
  const server = await startTestServer(db);
  try {
    const token = await server.tokenFor('admin');
    const me = await fetch(`${server.baseUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(me.status, 200, 'it works while the database answers');

    await relay.cut();
    const r = await fetch(`${server.baseUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(r.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, 'database_unavailable');
    assert.match(body.error.message, /database cannot be reached/);
    assert.equal(r.headers.get('retry-after'), '5');
  } finally {
    await server.close();
    await db.close().catch(() => {});
  }
});
