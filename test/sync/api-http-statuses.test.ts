import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from '../helpers/cli.ts';
import { callJson } from '../helpers/server.ts';
import { serverSetting } from './server-setting.ts';

const s = serverSetting();

const API = '/api/integration/v1';

const call = (method: string, path: string, body?: unknown) =>
  callJson(`${s.server.baseUrl}${API}${path}`, method, s.admin, body);

test('the CRM unreachable is a 502 with the connector code, not a 422 a client would not retry', async () => {
  // A port nothing listens on (fetch refuses port 9 itself: "bad port"); the emulator's authority
  // moves with the address, so the token request is the first to find nobody there.
  const port = await freePort();
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
    const page = await fetch(`${s.server.baseUrl}/crm/accounts`, {
      headers: { authorization: `Bearer ${s.admin}` },
    });
    const html = await page.text();
    assert.equal(page.status, 502, html);
    assert.match(html, /ECONNREFUSED/);
  } finally {
    await call('PATCH', '/connection', s.fx.connection);
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
    const res = await fetch(`${s.server.baseUrl}${API}${path}`, {
      method,
      headers: { authorization: `Bearer ${s.admin}` },
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
  const head = await fetch(`${s.server.baseUrl}${API}/fullSync/start`, { method: 'HEAD' });
  assert.equal(head.status, 405);
  assert.equal(head.headers.get('allow'), 'POST, OPTIONS');
  const options = await fetch(`${s.server.baseUrl}${API}/fullSync/lines/CONTACT/restart`, {
    method: 'OPTIONS',
  });
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('allow'), 'POST, OPTIONS');

  // What exists is unchanged: HEAD of a GET route, and a path no route has is still a 404.
  const headOfGet = await fetch(`${s.server.baseUrl}${API}/fullSync`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${s.admin}` },
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
