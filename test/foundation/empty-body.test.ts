import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** An empty body with Content-Type: application/json is no body, on every route of the server. */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;

const echo = async (app: FastifyInstance) => {
  const handler = async (req: { body?: unknown }) => ({ body: req.body ?? null });
  for (const method of ['POST', 'DELETE', 'PATCH'] as const)
    app.route({ method, url: '/echo', config: { public: true }, handler });
};

before(async () => {
  db = await createMigratedDb('body');
  server = await startTestServer(db, [echo]);
});
after(async () => {
  await server?.close();
  await db?.drop();
});

const send = (method: string, body?: string) =>
  fetch(`${server.baseUrl}/echo`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });

test('POST, DELETE and PATCH with an empty JSON body are requests without a body', async () => {
  for (const method of ['POST', 'DELETE', 'PATCH']) {
    for (const body of [undefined, '', '  \n']) {
      const res = await send(method, body);
      assert.equal(
        res.status,
        200,
        `${method} ${JSON.stringify(body)}: ${await res.clone().text()}`,
      );
      assert.deepEqual(await res.json(), { body: null });
    }
  }
});

test('a JSON body is still parsed, and bad JSON or prototype poisoning still refused', async () => {
  const ok = await send('POST', '{"a":1}');
  assert.deepEqual(await ok.json(), { body: { a: 1 } });
  const bad = await send('POST', '{"a":');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalid_json');
  const poisoned = await send('POST', '{"__proto__":{"x":1}}');
  assert.equal(poisoned.status, 400);
});
