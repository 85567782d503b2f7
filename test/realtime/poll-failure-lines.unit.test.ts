import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import {
  clientCredentialsProvider,
  DataverseClient,
  staticTokenProvider,
} from '../../src/dataverse/index.ts';
import { startCrmPoller } from '../../src/integration/realtime/crm-poller.ts';
import { failureLog } from '../../src/integration/realtime/failure-log.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { freePort } from '../helpers/cli.ts';

/** Polls through a real client at `client`'s address and returns the first line it logs. */
async function firstPollLine(
  client: () => Promise<DataverseClient | undefined>,
  deltaLink: () => Promise<string | null> = async () => 'accounts?$deltatoken=1',
): Promise<{ line: Record<string, unknown>; raw: string }> {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const polling = failureLog({
    logger: createLogger('info', sink),
    clock: systemClock,
    what: 'CRM change polling',
    fields: { mapping: 'CUSTOMER' },
  });
  const poller = startCrmPoller({
    intervalMs: 2000,
    maxIntervalMs: 60_000,
    deltaLink,
    client,
    onChange: () => {},
    onError: (err, retryInMs) => polling.failed(err, retryInMs),
  });
  try {
    const deadline = Date.now() + 10_000;
    while (raw.length === 0) {
      assert.ok(Date.now() < deadline, 'no line logged');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    poller.stop();
  }
  return { line: JSON.parse(raw[0]!), raw: raw[0]! };
}

const once = { maxAttempts: 1 };

test('a refused CRM connection is one line: what failed, the code, host:port, the next try; no stack', async () => {
  const port = await freePort();
  const orgUrl = `http://127.0.0.1:${port}`;
  const api = new DataverseClient({ orgUrl, tokenProvider: staticTokenProvider('t'), retry: once });
  const { line, raw } = await firstPollLine(async () => api);
  assert.equal(line['level'], 40);
  assert.equal(
    line['msg'],
    `CRM change polling failed: the CRM at 127.0.0.1:${port} is not reachable (ECONNREFUSED); next try in 4 s`,
  );
  assert.equal(line['code'], 'ECONNREFUSED');
  assert.equal(line['host'], `127.0.0.1:${port}`);
  assert.equal(line['retryInMs'], 4000);
  assert.equal(line['mapping'], 'CUSTOMER');
  assert.ok(!('err' in line), raw);
  assert.doesNotMatch(raw, /stack|\\n\s+at /);

  // The same when the token request is what cannot connect (the emulator's own token endpoint).
  const signIn = new DataverseClient({
    orgUrl,
    tokenProvider: clientCredentialsProvider({
      tokenUrl: `${orgUrl}/token`,
      clientId: 'c',
      clientSecret: 's'.repeat(16),
      scope: `${orgUrl}/.default`,
    }),
    retry: once,
  });
  const token = await firstPollLine(async () => signIn);
  assert.match(
    String(token.line['msg']),
    new RegExp(
      `^CRM change polling failed: the CRM at 127\\.0\\.0\\.1:${port} is not reachable \\(ECONNREFUSED\\); next try in 4 s$`,
    ),
  );
  assert.doesNotMatch(token.raw, /stack/);
});

test('an answer the CRM refused is one line with its code; an unexpected error keeps its stack', async () => {
  const { createServer } = await import('node:http');
  const srv = createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: '0x80040203', message: 'Invalid delta token' } }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const a = srv.address();
    const orgUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const api = new DataverseClient({
      orgUrl,
      tokenProvider: staticTokenProvider('t'),
      retry: once,
    });
    const { line, raw } = await firstPollLine(async () => api);
    assert.match(
      String(line['msg']),
      /^CRM change polling failed: .*Invalid delta token \(http_error\); next try in 4 s$/,
    );
    assert.equal(line['code'], 'http_error');
    assert.ok(!('err' in line), raw);
  } finally {
    srv.close();
  }

  const broken = await firstPollLine(
    async () => undefined,
    async () => {
      throw new Error('the watermark query broke');
    },
  );
  assert.equal(broken.line['msg'], 'CRM change polling failed; next try in 4 s');
  const err = broken.line['err'] as { message: string; stack: string };
  assert.equal(err.message, 'the watermark query broke');
  assert.match(err.stack, /poll-failure-lines/);
});

test('the polling warning words a connection that got no answer as the banner and the review do', async () => {
  const { describeFailure } = await import('../../src/integration/realtime/failure-log.ts');
  const { unreachableCrm } = await import('../../src/integration/crm-unreachable.ts');
  const refused = {
    code: 'network_error',
    message: 'connecting to 127.0.0.1:8081 failed (ECONNREFUSED)',
    host: '127.0.0.1:8081',
    cause: 'ECONNREFUSED',
  };
  const crmUrl = 'http://127.0.0.1:8081';
  assert.equal(describeFailure(refused, crmUrl).text, `: ${unreachableCrm(refused, crmUrl)}`);
  assert.equal(
    describeFailure(refused, crmUrl).text,
    ': the CRM at 127.0.0.1:8081 is not reachable (ECONNREFUSED)',
  );
  // With the connection's address known, Entra ID's sign-in server is not called the CRM.
  const signIn = { ...refused, host: 'login.microsoftonline.com:443', cause: 'ENOTFOUND' };
  assert.equal(
    describeFailure(signIn, 'https://contoso.crm4.dynamics.com').text,
    ": the CRM's sign-in server at login.microsoftonline.com:443 is not reachable (ENOTFOUND)",
  );
});
