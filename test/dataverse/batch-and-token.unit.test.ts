import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { boundaryOf, splitMultipart } from '../../src/dataverse/batch-response.ts';
import { DataverseClient } from '../../src/dataverse/client.ts';
import type { DataverseOperation } from '../../src/dataverse/operations.ts';
import {
  clientCredentialsProvider,
  staticTokenProvider,
} from '../../src/dataverse/token-provider.ts';
import { json, startScriptedServer } from './scripted-server.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function scripted(handler: Parameters<typeof startScriptedServer>[0]) {
  const server = await startScriptedServer(handler);
  closers.push(server.close);
  const client = new DataverseClient({
    orgUrl: server.baseUrl,
    tokenProvider: staticTokenProvider('tok'),
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20 },
  });
  return { server, client };
}

const part = (status: string, body?: unknown, extra: string[] = []) =>
  [
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    `HTTP/1.1 ${status}`,
    ...extra,
    '',
    body ? JSON.stringify(body) : '',
  ].join('\r\n');

/** Request parts of a $batch body, as [request line, content-id] per operation, nested flattened. */
function requestLines(contentType: string, body: string): string[][] {
  const out: string[][] = [];
  for (const raw of splitMultipart(body, boundaryOf(contentType)!)) {
    const nested = /boundary=(\S+)/.exec(raw.split('\n')[0] ?? '');
    const parts = nested ? splitMultipart(raw, nested[1]!) : [raw];
    out.push(parts.map((p) => /^(GET|POST|PATCH|DELETE) \S+/m.exec(p)![0]));
  }
  return out;
}

const creates = (n: number, changeSet?: string): DataverseOperation[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'create',
    entitySet: 'accounts',
    record: { name: `A${i}` },
    id: guid(i + 1),
    changeSet,
  }));

test('stop on error: the failed operation has its error, later ones are not executed', async () => {
  const { server, client } = await scripted((_req, res) => {
    res.writeHead(400, { 'content-type': 'multipart/mixed; boundary=batchresponse_x' });
    res.end(
      [
        '--batchresponse_x',
        part('204 No Content', undefined, [
          `OData-EntityId: http://h/api/data/v9.2/accounts(${guid(1)})`,
        ]),
        '--batchresponse_x',
        part('400 Bad Request', { error: { code: '0x80044331', message: 'name too long' } }),
        '--batchresponse_x--',
      ].join('\r\n'),
    );
  });
  const results = await client.executeBatch(creates(3), { continueOnError: false });
  assert.equal(server.seen.length, 1);
  assert.equal(server.seen[0]!.headers.prefer, undefined);
  assert.deepEqual(
    requestLines(String(server.seen[0]!.headers['content-type']), server.seen[0]!.body),
    [
      [`POST ${server.baseUrl}/api/data/v9.2/accounts`],
      [`POST ${server.baseUrl}/api/data/v9.2/accounts`],
      [`POST ${server.baseUrl}/api/data/v9.2/accounts`],
    ],
  );
  assert.ok(results[0]!.ok);
  assert.equal(results[0]!.value.id, guid(1));
  assert.ok(!results[1]!.ok);
  assert.equal(results[1]!.error.dataverseCode, '0x80044331');
  assert.equal(results[1]!.error.status, 400);
  assert.ok(!results[2]!.ok);
  assert.equal(results[2]!.error.code, 'not_executed');
});

test('a change set answered by one error part fails every operation in it', async () => {
  const { server, client } = await scripted((_req, res) => {
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=b' });
    res.end(
      [
        '--b',
        part(
          '412 Precondition Failed',
          {
            error: {
              code: '0x80040237',
              message: 'A record with matching key values already exists.',
            },
          },
          ['Content-ID: 2'],
        ),
        '--b',
        part('204 No Content', undefined, [
          `OData-EntityId: http://h/api/data/v9.2/accounts(${guid(3)})`,
        ]),
        '--b--',
      ].join('\n'),
    );
  });
  const ops = [...creates(2, 'pair'), ...creates(3).slice(2)];
  const results = await client.executeBatch(ops);
  assert.equal(server.seen[0]!.headers.prefer, 'odata.continue-on-error');
  assert.deepEqual(
    requestLines(String(server.seen[0]!.headers['content-type']), server.seen[0]!.body).map(
      (l) => l.length,
    ),
    [2, 1],
  );
  assert.ok(!results[0]!.ok && !results[1]!.ok);
  assert.equal(results[1]!.error.code, 'duplicate_record');
  assert.equal(results[0]!.error.code, 'duplicate_record');
  assert.deepEqual(results[0]!.error.details, { rolledBack: true });
  assert.equal(results[1]!.error.details, undefined);
  assert.ok(results[2]!.ok);
  assert.equal(results[2]!.value.id, guid(3));
});

test('a whole $batch refused with 503 is retried; one answered 502 is not', async () => {
  let status = 503;
  const { server, client } = await scripted((_req, res, n) => {
    if (n === 1) return json(res, status, { error: { code: '', message: 'busy' } });
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=b' });
    res.end(
      [
        '--b',
        part('204 No Content', undefined, [
          `OData-EntityId: http://h/api/data/v9.2/accounts(${guid(1)})`,
        ]),
        '--b--',
      ].join('\r\n'),
    );
  });
  const first = await client.executeBatch(creates(1));
  assert.ok(first[0]!.ok);
  assert.equal(server.seen.length, 2);
  assert.equal(client.snapshot().batchRequests, 1);
  assert.equal(client.snapshot().batchOperations, 1);

  status = 502;
  const { server: s2, client: c2 } = await scripted((_req, res) =>
    json(res, 502, { error: { code: '', message: 'gateway' } }),
  );
  const second = await c2.executeBatch(creates(2));
  assert.equal(s2.seen.length, 1);
  assert.ok(second.every((r) => !r.ok && r.error.status === 502));
});

test('client credentials: one token request for concurrent callers, cached afterwards', async () => {
  const server = await startScriptedServer(async (req, res) => {
    await new Promise((r) => setTimeout(r, 30));
    const form = new URLSearchParams(req.body);
    if (form.get('client_secret') !== 'right-secret') {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided (right-secret? got ${form.get('client_secret')}).`,
      });
    }
    json(res, 200, {
      token_type: 'Bearer',
      access_token: `token-${form.get('scope')}`,
      expires_in: 3599,
    });
  });
  closers.push(server.close);
  const provider = clientCredentialsProvider({
    tokenUrl: `${server.baseUrl}/t/oauth2/v2.0/token`,
    clientId: 'app',
    clientSecret: 'right-secret',
    scope: 'http://org/.default',
  });
  const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));
  assert.ok(tokens.every((t) => t.ok && t.value === 'token-http://org/.default'));
  assert.ok((await provider.getToken()).ok);
  assert.equal(server.seen.length, 1);
  assert.equal(server.seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(new URLSearchParams(server.seen[0]!.body).get('grant_type'), 'client_credentials');

  const wrong = clientCredentialsProvider({
    tokenUrl: `${server.baseUrl}/t/oauth2/v2.0/token`,
    clientId: 'app',
    clientSecret: 'wrong-secret-value',
    scope: 's',
  });
  const started = Date.now();
  const denied = await wrong.getToken();
  assert.ok(!denied.ok);
  assert.equal(denied.error.code, 'authentication_failed');
  assert.equal(denied.error.status, 401);
  assert.equal(denied.error.dataverseCode, 'invalid_client');
  assert.match(denied.error.message, /AADSTS7000215: Invalid client secret provided/);
  assert.ok(!denied.error.message.includes('wrong-secret-value'));
  assert.equal(server.seen.length, 2);
  assert.ok(Date.now() - started < 1000);
});

test('the token endpoint failing with 5xx is retried a little; the client reports it without calling the API', async () => {
  const server = await startScriptedServer((_req, res, n) =>
    n < 3
      ? json(res, 503, { error: 'temporarily_unavailable' })
      : json(res, 200, { access_token: 'x', expires_in: 60 }),
  );
  closers.push(server.close);
  const provider = clientCredentialsProvider({
    tokenUrl: `${server.baseUrl}/token`,
    clientId: 'a',
    clientSecret: 'sssss',
    scope: 's',
  });
  const t = await provider.getToken();
  assert.ok(t.ok);
  assert.equal(server.seen.length, 3);
});

test('operations throttled inside an accepted batch are sent again after the pause', async () => {
  const { server, client } = await scripted((_req, res, n) => {
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=b' });
    const created = (i: number) =>
      part('204 No Content', undefined, [
        `OData-EntityId: http://h/api/data/v9.2/accounts(${guid(i)})`,
      ]);
    const throttled = part(
      '429 Too Many Requests',
      { error: { code: '0x80072322', message: 'slow down' } },
      ['Retry-After: 0.2'],
    );
    const parts = n === 1 ? [created(1), throttled, throttled] : [created(2)];
    res.end([...parts.flatMap((p) => ['--b', p]), '--b--'].join('\r\n'));
  });
  const ops: DataverseOperation[] = [
    ...creates(2),
    { kind: 'action', name: 'WinQuote', params: {} }, // never repeated: not idempotent
  ];
  const results = await client.executeBatch(ops);
  assert.equal(server.seen.length, 2);
  assert.ok(server.seen[1]!.at - server.seen[0]!.at >= 190);
  assert.deepEqual(
    requestLines(String(server.seen[1]!.headers['content-type']), server.seen[1]!.body),
    [[`POST ${server.baseUrl}/api/data/v9.2/accounts`]],
  );
  assert.ok(results[0]!.ok && results[1]!.ok);
  assert.equal(results[1]!.value.id, guid(2));
  assert.ok(!results[2]!.ok);
  assert.equal(results[2]!.error.code, 'throttled');
  assert.equal(results[2]!.error.retryAfterMs, 200);
});

test('a $batch refused with 429 on every attempt gives up after the pipeline retries', async () => {
  const { server, client } = await scripted((_req, res) =>
    json(res, 429, { error: { code: '0x80072322', message: 'slow down' } }, { 'retry-after': '0' }),
  );
  const results = await client.executeBatch(creates(2));
  assert.equal(server.seen.length, 4);
  assert.ok(results.every((r) => !r.ok && r.error.code === 'throttled'));
});
