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

test('a CRM that still throttles after the retries is a 503 with its Retry-After, one that failed (5xx) a 502, and only its refusal (4xx) a 422', async () => {
  const crm = s.fx.emulator;
  // Answered by the CRM at once (Retry-After 0: the connector's retries take no time).
  const answerWith = async (status: number, retryAfterSeconds = 0) => {
    crm.setFaults({ rate: 1, statuses: [status], retryAfterSeconds });
    const faultsBefore = crm.stats().faults;
    const res = await fetch(`${s.server.baseUrl}${API}/fullSync?recount=true`, {
      headers: { authorization: `Bearer ${s.admin}` },
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body,
      faults: crm.stats().faults - faultsBefore,
    };
  };
  try {
    const throttled = await answerWith(429);
    assert.equal(throttled.status, 503, JSON.stringify(throttled.body));
    assert.equal(throttled.body.error.code, 'throttled');
    assert.match(
      throttled.body.error.message,
      /^The lines of the full synchronization could not be worked out: Counting \w+ in the CRM failed: GET \/api\/data\/v9\.2\/\w+: Number of requests exceeded the limit/,
    );
    assert.deepEqual(Object.keys(throttled.body), ['error']);
    // Said "wait 0 s" every time: a client is asked to wait at least a second.
    assert.equal(throttled.retryAfter, '1');
    // After every retry (the connector's 6 attempts; the reachability probe counts as answered).
    assert.ok(throttled.faults >= 6, `${throttled.faults} faulted requests`);

    // A wait longer than the connector waits itself: failed at once, the CRM's wait passed on.
    const longWait = await answerWith(429, 400);
    assert.equal(longWait.status, 503, JSON.stringify(longWait.body));
    assert.equal(longWait.retryAfter, '400');

    // 503 is retried (502 after them), 500 is not (502 at once): the CRM's fault either way.
    for (const status of [503, 500]) {
      const failed = await answerWith(status);
      assert.equal(failed.status, 502, `${status}: ${JSON.stringify(failed.body)}`);
      assert.equal(failed.body.error.code, 'http_error');
      assert.match(failed.body.error.message, /The service is temporarily unavailable/);
    }

    // A refusal stays a 422 with nothing to wait for: repeating it will not change it.
    const refused = await answerWith(400);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'http_error');
    assert.equal(refused.retryAfter, null);
    assert.equal(refused.faults, 2, 'the probe and one attempt: a 400 is not retried');

    // The web UI's CRM view answers a throttling CRM the same way.
    crm.setFaults({ rate: 1, statuses: [429], retryAfterSeconds: 400 });
    const page = await fetch(`${s.server.baseUrl}/crm/accounts`, {
      headers: { authorization: `Bearer ${s.admin}` },
    });
    const html = await page.text();
    assert.equal(page.status, 503, html);
    assert.equal(page.headers.get('retry-after'), '400');
    assert.match(html, /Number of requests exceeded the limit/);
  } finally {
    crm.setFaults(undefined);
  }
  const back = await call('GET', '/fullSync?recount=true');
  assert.equal(back.status, 200, back.text);
});
