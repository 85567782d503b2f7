import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { callJson, startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from './sync-fixture.ts';

let fx: SyncFixture;
let server: TestServer;
let admin: string;

before(async () => {
  fx = await startSyncFixture();
  server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  await fx.connect(server.ctx.config);
  admin = await server.tokenFor('admin');
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const API = '/api/integration/v1';

/** A loopback port nothing listens on (it was free a moment ago). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
const call = (method: string, path: string, body?: unknown) =>
  callJson(`${server.baseUrl}${API}${path}`, method, admin, body);

test('the CRM unreachable is a 502 with the connector code, not a 422 a client would not retry', async () => {
  // A port nothing listens on (fetch refuses port 9 itself: "bad port"); the emulator's authority
  // moves with the address, so the token request is the first to find nobody there.
  const port = await closedPort();
  const moved = await call('PATCH', '/connection', { crmUrl: `http://127.0.0.1:${port}` });
  assert.equal(moved.status, 200, moved.text);
  try {
    // No line stored yet: the review counts both sides now, and the count fails as it is.
    const review = await call('GET', '/fullSync?recount=true');
    assert.equal(review.status, 502, review.text);
    assert.equal(review.json.error.code, 'network_error');
    assert.match(
      review.json.error.message,
      new RegExp(
        `^The lines of the full synchronization could not be worked out: the CRM at 127\\.0\\.0\\.1:${port} is not reachable \\(ECONNREFUSED\\)$`,
      ),
    );
    // The web UI's CRM view answers the same failure with the same status.
    const page = await fetch(`${server.baseUrl}/crm/accounts`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const html = await page.text();
    assert.equal(page.status, 502, html);
    assert.match(html, /ECONNREFUSED/);
  } finally {
    await call('PATCH', '/connection', fx.connection);
  }
  const back = await call('GET', '/fullSync?recount=true');
  assert.equal(back.status, 200, back.text);
});

test('a wrong method on a route is a 405 with Allow, not a 404; OPTIONS says what is allowed', async () => {
  const cases = [
    ['GET', '/fullSync/start', 'POST, OPTIONS'],
    ['DELETE', '/fullSync', 'GET, HEAD, OPTIONS'],
    ['GET', '/fullSync/lines/CONTACT/restart', 'POST, OPTIONS'],
    ['PUT', '/tableMappings/CUSTOMER', 'GET, HEAD, PATCH, OPTIONS'],
  ] as const;
  for (const [method, path, allow] of cases) {
    const res = await fetch(`${server.baseUrl}${API}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}` },
    });
    const body = await res.json();
    assert.equal(res.status, 405, `${method} ${path}: ${JSON.stringify(body)}`);
    assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
    assert.deepEqual(body, {
      error: {
        code: 'method_not_allowed',
        message: `${method} is not allowed on ${API}${path}; it allows ${allow}`,
      },
    });
  }
  const head = await fetch(`${server.baseUrl}${API}/fullSync/start`, { method: 'HEAD' });
  assert.equal(head.status, 405);
  assert.equal(head.headers.get('allow'), 'POST, OPTIONS');
  const options = await fetch(`${server.baseUrl}${API}/fullSync/lines/CONTACT/restart`, {
    method: 'OPTIONS',
  });
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('allow'), 'POST, OPTIONS');

  // What exists is unchanged: HEAD of a GET route, and a path no route has is still a 404.
  const headOfGet = await fetch(`${server.baseUrl}${API}/fullSync`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(headOfGet.status, 200);
  const missing = await call('GET', '/fullSync/stop');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json.error, {
    code: 'not_found',
    message: `No route for GET ${API}/fullSync/stop`,
  });
  assert.equal((await call('OPTIONS', '/noSuchThing')).status, 404);
});
