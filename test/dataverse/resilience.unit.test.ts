import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { DataverseClient, type DataverseClientOptions } from '../../src/dataverse/client.ts';
import { staticTokenProvider, type TokenProvider } from '../../src/dataverse/token-provider.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { ok } from '../../src/shared/result.ts';
import { json, startScriptedServer } from './scripted-server.ts';

const ID = '0b5f3c1e-8a44-4c1f-9e0a-5d2b7c6e4f31';
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function scripted(
  handler: Parameters<typeof startScriptedServer>[0],
  options: Partial<DataverseClientOptions> = {},
) {
  const server = await startScriptedServer(handler);
  closers.push(server.close);
  const client = new DataverseClient({
    orgUrl: server.baseUrl,
    tokenProvider: staticTokenProvider('tok'),
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  return { server, client };
}

test('a 429 is retried after Retry-After, and the metrics count it', async () => {
  const seenInfo: { retries: number; throttledMs: number; status: number }[] = [];
  const { server, client } = await scripted(
    (_req, res, n) =>
      n === 1
        ? json(
            res,
            429,
            { error: { code: '0x80072322', message: 'slow down' } },
            { 'retry-after': '0.3' },
          )
        : json(res, 200, { accountid: ID, name: 'A' }),
    { metrics: { onRequest: (i) => seenInfo.push(i) } },
  );
  const r = await client.retrieve('accounts', ID, { select: ['name'] });
  assert.ok(r.ok);
  assert.equal(r.value.name, 'A');
  const gap = server.seen[1]!.at - server.seen[0]!.at;
  assert.ok(gap >= 290, `waited ${gap} ms`);
  const m = client.snapshot();
  assert.equal(m.requests, 1);
  assert.equal(m.attempts, 2);
  assert.equal(m.retries, 1);
  assert.equal(m.throttledResponses, 1);
  assert.ok(m.throttledMs >= 290);
  assert.equal(seenInfo[0]!.status, 200);
  assert.equal(seenInfo[0]!.retries, 1);
  assert.equal(server.seen[0]!.headers.authorization, 'Bearer tok');
  assert.equal(server.seen[0]!.headers['odata-version'], '4.0');
});

test('the throttle pauses every caller of the client while the server says wait', async () => {
  const { server, client } = await scripted((_req, res, n) =>
    n === 1
      ? json(res, 429, undefined, { 'retry-after': '0.4' })
      : json(res, 200, { accountid: ID }),
  );
  const first = client.retrieve('accounts', ID);
  // Start the others once the client has seen the 429 (under load that can take a while).
  while (client.snapshot().throttledResponses === 0) await new Promise((r) => setTimeout(r, 5));
  const others = [client.retrieve('accounts', ID), client.retrieve('accounts', ID)];
  const results = await Promise.all([first, ...others]);
  assert.ok(results.every((r) => r.ok));
  const throttledAt = server.seen[0]!.at;
  for (const req of server.seen.slice(1))
    assert.ok(req.at - throttledAt >= 390, `sent after ${req.at - throttledAt} ms`);
});

test('the concurrency cap limits requests in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const { client } = await scripted(
    async (_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      json(res, 200, { accountid: ID });
    },
    { maxConcurrency: 2 },
  );
  const all = await Promise.all(Array.from({ length: 7 }, () => client.retrieve('accounts', ID)));
  assert.ok(all.every((r) => r.ok));
  assert.equal(peak, 2);
});

test('reads survive connection resets and 503s; actions are not repeated after a reset', async () => {
  const { server, client } = await scripted((req, res, n) => {
    if (req.method === 'POST') return void res.socket?.destroy();
    if (n === 1) return void res.socket?.destroy();
    if (n === 2) return json(res, 503, { error: { code: '', message: 'busy' } });
    json(res, 200, { accountid: ID });
  });
  const read = await client.retrieve('accounts', ID);
  assert.ok(read.ok, JSON.stringify(read));
  assert.equal(server.seen.length, 3);
  const action = await client.callAction('WinQuote', { Status: 4 });
  assert.ok(!action.ok);
  assert.equal(action.error.code, 'network_error');
  assert.equal(server.seen.filter((r) => r.method === 'POST').length, 1);
});

test('a request that gets no answer in time fails as timeout after its retries', async () => {
  const { server, client } = await scripted(
    async (_req, res) => {
      await new Promise((r) => setTimeout(r, 3000));
      if (!res.destroyed) json(res, 200, {});
    },
    { timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } },
  );
  const started = Date.now();
  const r = await client.retrieve('accounts', ID);
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'timeout');
  assert.equal(client.snapshot().attempts, 2);
  assert.ok(server.seen.length <= 2);
  assert.ok(Date.now() - started < 2500); // never waited for the 3 s answers
});

test('a create whose answer was lost is retried with its GUID and the duplicate counts as success', async () => {
  const { server, client } = await scripted((req, res, n) => {
    if (n === 1) return void res.socket?.destroy(); // processed, answer lost
    if (req.method === 'POST') {
      return json(res, 412, {
        error: { code: '0x80040237', message: 'A record with matching key values already exists.' },
      });
    }
    json(res, 200, { '@odata.etag': 'W/"7"', accountid: ID });
  });
  const r = await client.create('accounts', { name: 'A' }, { id: ID });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.id, ID);
  assert.equal(r.value.etag, 'W/"7"');
  assert.deepEqual(
    server.seen.map((s) => s.method),
    ['POST', 'POST', 'GET'],
  );
  assert.equal(JSON.parse(server.seen[0]!.body).accountid, ID);
  assert.match(String(server.seen[0]!.headers.prefer), /return=representation/);
});

test('a first-attempt duplicate is a real duplicate', async () => {
  const { client } = await scripted((_req, res) =>
    json(res, 412, {
      error: { code: '0x80040237', message: 'A record with matching key values already exists.' },
    }),
  );
  const r = await client.create('accounts', { name: 'A' }, { id: ID });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'duplicate_record');
});

test('a 401 refreshes the token once, then gives up', async () => {
  let issued = 0;
  let invalidated = 0;
  const provider: TokenProvider = {
    getToken: async () => ok(`t${++issued}`),
    invalidate: () => void invalidated++,
  };
  const { server, client } = await scripted(
    (req, res) =>
      req.headers.authorization === 'Bearer t2'
        ? json(res, 200, { accountid: ID })
        : json(res, 401, { error: { code: '', message: 'expired' } }),
    { tokenProvider: provider },
  );
  assert.ok((await client.retrieve('accounts', ID)).ok);
  assert.equal(invalidated, 1);
  const again = await client.retrieve('accounts', ID); // t3 is refused, t4 too
  assert.ok(!again.ok);
  assert.equal(again.error.code, 'authentication_failed');
  assert.equal(server.seen.length, 4);
});

test('retrieveAll follows nextLink with the page size preference and stops at an error', async () => {
  const { server, client } = await scripted((req, res) => {
    const url = new URL(req.url, 'http://x');
    const page = Number(url.searchParams.get('$skiptoken') ?? '1');
    if (page === 4) return json(res, 400, { error: { code: '0x1', message: 'bad token' } });
    const next = `${server.baseUrl}/api/data/v9.2/accounts?$select=name&$skiptoken=${page + 1}`;
    json(res, 200, {
      value: [{ name: `p${page}` }],
      ...(page < 3 ? { '@odata.nextLink': next } : {}),
    });
  });
  const pages: string[] = [];
  for await (const page of client.retrieveAll<{ name: string }>(
    'accounts',
    { select: ['name'] },
    { pageSize: 1 },
  )) {
    assert.ok(page.ok);
    pages.push(...page.value.map((r) => r.name));
  }
  assert.deepEqual(pages, ['p1', 'p2', 'p3']);
  assert.ok(server.seen.every((s) => s.headers.prefer === 'odata.maxpagesize=1'));
  assert.equal(server.seen[0]!.url, '/api/data/v9.2/accounts?$select=name');
  const bad = await client.retrieveNextPage(
    `${server.baseUrl}/api/data/v9.2/accounts?$skiptoken=4`,
  );
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'http_error');
  assert.equal(bad.error.dataverseCode, '0x1');
});

test('no token appears in logs or errors', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const secret = 'eyJ0eXAiOiJKV1Qi.SECRET.TOKEN';
  const { client } = await scripted(
    (_req, res) => json(res, 503, { error: { code: '', message: 'down' } }),
    {
      tokenProvider: staticTokenProvider(secret),
      logger: createLogger('trace', sink),
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 5 },
    },
  );
  const r = await client.retrieve('accounts', ID);
  assert.ok(!r.ok);
  assert.equal(r.error.status, 503);
  assert.equal(lines.filter((l) => l.includes('retrying')).length, 2);
  assert.equal(lines.length, 3); // two retries and the request summary (debug)
  assert.ok(!lines.join('').includes(secret));
  assert.ok(!JSON.stringify(r.error).includes(secret));
});

test('a retry logs at debug and a wait the server asked for at info: a CRM that is down does not fill the log', async () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  let n = 0;
  const { client } = await scripted(
    (_req, res) => {
      n++;
      if (n === 1) {
        res.setHeader('Retry-After', '0');
        return json(res, 429, { error: { code: '0x80072322', message: 'slow down' } });
      }
      return json(res, 503, { error: { code: '', message: 'down' } });
    },
    {
      logger: createLogger('trace', sink),
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 5 },
    },
  );
  const r = await client.retrieve('accounts', ID);
  assert.ok(!r.ok);
  assert.deepEqual(
    lines.filter((l) => / (retrying|waiting)$/.test(l.msg)).map((l) => [l.level, l.msg]),
    [
      [30, 'dataverse request throttled, waiting'],
      [20, 'dataverse request failed, retrying'],
    ],
  );
});

test('associate, disassociate and functions build the documented requests', async () => {
  const other = '11111111-2222-4333-8444-555555555555';
  const { server, client } = await scripted((req, res) =>
    req.method === 'GET' ? json(res, 200, { Count: 3 }) : json(res, 204),
  );
  assert.ok(
    (await client.associate('accounts', ID, 'contact_customer_accounts', 'contacts', other)).ok,
  );
  assert.ok((await client.disassociate('accounts', ID, 'contact_customer_accounts', other)).ok);
  const fn = await client.callFunction<{ Count: number }>('RetrieveTotalRecordCount', {
    EntityNames: ['account'],
    Name: "O'Neil",
  });
  assert.ok(fn.ok);
  assert.equal(fn.value.Count, 3);
  const [assoc, disassoc, func] = server.seen;
  assert.equal(assoc!.method, 'POST');
  assert.equal(assoc!.url, `/api/data/v9.2/accounts(${ID})/contact_customer_accounts/$ref`);
  assert.deepEqual(JSON.parse(assoc!.body), {
    '@odata.id': `${server.baseUrl}/api/data/v9.2/contacts(${other})`,
  });
  assert.equal(disassoc!.method, 'DELETE');
  assert.equal(
    disassoc!.url,
    `/api/data/v9.2/accounts(${ID})/contact_customer_accounts(${other})/$ref`,
  );
  const url = new URL(func!.url, server.baseUrl);
  assert.equal(url.pathname, '/api/data/v9.2/RetrieveTotalRecordCount(EntityNames=@p1,Name=@p2)');
  assert.equal(url.searchParams.get('@p1'), '["account"]');
  assert.equal(url.searchParams.get('@p2'), "'O''Neil'");
});

test('a link to another host never gets the token', async () => {
  const { server, client } = await scripted((_req, res) => json(res, 200, { value: [] }));
  const r = await client.retrieveNextPage(
    'https://evil.example/api/data/v9.2/accounts?$skiptoken=2',
  );
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'invalid_request');
  assert.equal(server.seen.length, 0);
});
