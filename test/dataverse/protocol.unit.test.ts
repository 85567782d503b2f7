import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planBatches } from '../../src/dataverse/batch.ts';
import { buildBatchBody } from '../../src/dataverse/batch-request.ts';
import { boundaryOf, parseBatchResponse } from '../../src/dataverse/batch-response.ts';
import { primaryKeyOf } from '../../src/dataverse/entity-keys.ts';
import { errorFromResponse, parseErrorBody } from '../../src/dataverse/errors.ts';
import { type DataverseOperation, toRequest } from '../../src/dataverse/operations.ts';
import {
  buildQueryString,
  entityPath,
  idFromEntityUrl,
  lookup,
  odataString,
} from '../../src/dataverse/query.ts';
import {
  backoffDelay,
  isRetryable,
  parseRetryAfter,
  retryDelay,
} from '../../src/dataverse/retry-policy.ts';

const ID = '6f0c6a2e-1b7d-4f6a-9d4e-2c8b1a3e5f70';
const API = 'https://org.crm4.dynamics.com/api/data/v9.2/';
const headers = (h: Record<string, string> = {}) => ({
  get: (n: string) => h[n.toLowerCase()] ?? null,
});

test('query options become one encoded query string', () => {
  const q = buildQueryString({
    select: ['name', 'accountnumber'],
    filter: `name eq ${odataString("O'Brien & Sons + Co")}`,
    orderby: ['name asc', 'createdon desc'],
    expand: {
      primarycontactid: { select: ['fullname'] },
      Account_Tasks: { select: ['subject'], top: 5 },
    },
    count: true,
  });
  assert.equal(
    q,
    "?$select=name,accountnumber&$filter=name%20eq%20'O''Brien%20%26%20Sons%20%2B%20Co'" +
      '&$orderby=name%20asc,createdon%20desc' +
      '&$expand=primarycontactid($select=fullname),Account_Tasks($select=subject;$top=5)&$count=true',
  );
  const params = new URL(`${API}accounts${q}`).searchParams;
  assert.equal(params.get('$filter'), "name eq 'O''Brien & Sons + Co'");
  assert.equal(buildQueryString({}), '');
});

test('entity paths take GUIDs and alternate keys; lookups bind by path', () => {
  assert.equal(entityPath('accounts', ID.toUpperCase()), `accounts(${ID})`);
  assert.equal(entityPath('accounts', { accountnumber: "A'1" }), "accounts(accountnumber='A''1')");
  assert.equal(
    entityPath('contacts', { firstname: 'Joe', age: 4 }),
    "contacts(firstname='Joe',age=4)",
  );
  assert.equal(entityPath('accounts', 'not-a-guid'), undefined);
  assert.deepEqual(lookup('parentcustomerid_account', 'accounts', ID), {
    'parentcustomerid_account@odata.bind': `/accounts(${ID})`,
  });
  assert.equal(idFromEntityUrl(`${API}accounts(${ID.toUpperCase()})`), ID);
  assert.equal(idFromEntityUrl(null), undefined);
  assert.equal(primaryKeyOf('opportunities'), 'opportunityid');
  assert.equal(primaryKeyOf('tasks'), 'activityid');
  assert.equal(primaryKeyOf('new_widgets'), 'new_widgetid');
});

test('a create carries its client-chosen GUID in the body and becomes retry-safe', () => {
  const r = toRequest({
    kind: 'create',
    entitySet: 'accounts',
    record: { name: 'A' },
    id: ID.toUpperCase(),
  });
  assert.ok(r.ok);
  assert.deepEqual(r.value.body, { name: 'A', accountid: ID });
  assert.equal(r.value.retryClass, 'idempotent');
  assert.equal(r.value.duplicateMeansDone, true);
  const anonymous = toRequest({ kind: 'create', entitySet: 'accounts', record: { name: 'A' } });
  assert.ok(anonymous.ok);
  assert.equal(anonymous.value.retryClass, 'never-processed');
  const update = toRequest({ kind: 'update', entitySet: 'accounts', id: ID, patch: { name: 'B' } });
  assert.ok(update.ok);
  assert.equal(update.value.headers['If-Match'], '*');
  const upsert = toRequest({
    kind: 'upsert',
    entitySet: 'accounts',
    id: ID,
    record: { name: 'B' },
  });
  assert.ok(upsert.ok);
  assert.equal(upsert.value.headers['If-Match'], undefined);
  const bad = toRequest({ kind: 'delete', entitySet: 'accounts', id: 'x' });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'invalid_request');
  const action = toRequest({
    kind: 'action',
    name: 'CalculatePrice',
    bound: { entitySet: 'salesorders', id: ID },
  });
  assert.ok(action.ok);
  assert.equal(action.value.path, `salesorders(${ID})/Microsoft.Dynamics.CRM.CalculatePrice`);
  assert.equal(action.value.retryClass, 'never-processed');
});

test('retry decisions follow what a repeat could do', () => {
  for (const s of [429, 502, 503, 504])
    assert.ok(isRetryable('idempotent', { kind: 'status', status: s }));
  assert.ok(isRetryable('idempotent', { kind: 'timeout' }));
  assert.ok(isRetryable('idempotent', { kind: 'network' }));
  assert.ok(!isRetryable('idempotent', { kind: 'status', status: 500 }));
  assert.ok(!isRetryable('idempotent', { kind: 'status', status: 412 }));
  assert.ok(isRetryable('rejected-only', { kind: 'status', status: 429 }));
  assert.ok(isRetryable('rejected-only', { kind: 'status', status: 503 }));
  assert.ok(!isRetryable('rejected-only', { kind: 'status', status: 502 }));
  assert.ok(!isRetryable('rejected-only', { kind: 'network' }));
  assert.ok(!isRetryable('rejected-only', { kind: 'timeout' }));
  assert.ok(isRetryable('never-processed', { kind: 'status', status: 429 }));
  assert.ok(!isRetryable('never-processed', { kind: 'status', status: 503 }));
});

test('backoff grows exponentially, is capped, and jitters within half the delay', () => {
  const o = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(
    backoffDelay(1, o, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(1, o, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, o, () => 1),
    400,
  );
  assert.equal(
    backoffDelay(10, o, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(10, o, () => 0),
    500,
  );
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(2, o);
    assert.ok(d >= 100 && d <= 200, String(d));
  }
  assert.equal(
    retryDelay(1, 2000, o, () => 0),
    2000,
  );
  assert.ok(retryDelay(1, 2000, o, () => 1) <= 2100);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter('0.5'), 500);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
});

test('HTTP errors map to typed codes with the Dataverse code and request id', () => {
  const body = (code: string, message: string) => JSON.stringify({ error: { code, message } });
  const ctx = { method: 'PATCH', path: '/api/data/v9.2/accounts(x)' };
  const nf = errorFromResponse(
    404,
    body('0x80040217', 'account With Id = x Does Not Exist'),
    headers({ 'x-ms-service-request-id': 'r1' }),
    ctx,
  );
  assert.deepEqual(nf, {
    code: 'not_found',
    message: 'PATCH /api/data/v9.2/accounts(x): account With Id = x Does Not Exist',
    status: 404,
    dataverseCode: '0x80040217',
    requestId: 'r1',
  });
  const etag = errorFromResponse(
    412,
    body('0x80060882', 'The version of the existing record does not match'),
    headers(),
    { ...ctx, ifMatch: 'W/"1"' },
  );
  assert.equal(etag.code, 'concurrency_conflict');
  assert.equal(
    errorFromResponse(412, body('', 'x'), headers(), { ...ctx, ifMatch: 'W/"1"' }).code,
    'concurrency_conflict',
  );
  assert.equal(
    errorFromResponse(
      412,
      body('0x80040237', 'A record with matching key values already exists.'),
      headers(),
      ctx,
    ).code,
    'duplicate_record',
  );
  assert.equal(
    errorFromResponse(400, body('0x80040237', 'Cannot insert duplicate key.'), headers(), ctx).code,
    'duplicate_record',
  );
  assert.equal(errorFromResponse(429, '', headers(), ctx).code, 'throttled');
  assert.equal(errorFromResponse(401, '', headers(), ctx).code, 'authentication_failed');
  assert.equal(
    errorFromResponse(403, body('0x80040220', 'no privilege'), headers(), ctx).code,
    'access_denied',
  );
  const validation = errorFromResponse(400, body('0x80044331', 'too long'), headers(), ctx);
  assert.equal(validation.code, 'http_error');
  assert.equal(validation.dataverseCode, '0x80044331');
  assert.deepEqual(parseErrorBody('<html>oops</html>'), { message: '<html>oops</html>' });
  assert.deepEqual(parseErrorBody(''), {});
});

const ops = (n: number, extra: Partial<DataverseOperation> = {}): DataverseOperation[] =>
  Array.from(
    { length: n },
    (_, i) =>
      ({
        kind: 'create',
        entitySet: 'accounts',
        record: { name: `A${i}` },
        ...extra,
      }) as DataverseOperation,
  );

test('2,500 operations plan into 3 $batch requests of at most 1,000', () => {
  const plan = planBatches(ops(2500));
  assert.ok(plan.ok);
  assert.deepEqual(
    plan.value.map((b) => b.length),
    [1000, 1000, 500],
  );
  const grouped = planBatches(ops(2500), { changeSetSize: 300 });
  assert.ok(grouped.ok);
  // Change sets are never split: 3 × 300 fit a batch, the fourth goes to the next.
  assert.deepEqual(
    grouped.value.map((b) =>
      b.reduce((n, i) => n + (i.kind === 'single' ? 1 : i.indices.length), 0),
    ),
    [900, 900, 700],
  );
});

test('labelled operations share a change set; reads stay outside change sets', () => {
  const list: DataverseOperation[] = [
    { kind: 'create', entitySet: 'salesorders', record: {}, changeSet: 'order1' },
    { kind: 'retrieve', entitySet: 'accounts', id: ID },
    { kind: 'create', entitySet: 'salesorderdetails', record: {}, changeSet: 'order1' },
    { kind: 'delete', entitySet: 'accounts', id: ID },
  ];
  const plan = planBatches(list);
  assert.ok(plan.ok);
  assert.deepEqual(plan.value, [
    [
      { kind: 'changeSet', indices: [0, 2] },
      { kind: 'single', index: 1 },
      { kind: 'single', index: 3 },
    ],
  ]);
  const huge = planBatches(ops(1001, { changeSet: 'all' } as Partial<DataverseOperation>));
  assert.ok(!huge.ok);
  assert.equal(huge.error.code, 'invalid_request');
});

test('the multipart body nests change sets with Content-IDs and absolute URLs', () => {
  const list: DataverseOperation[] = [
    { kind: 'create', entitySet: 'accounts', record: { name: 'A' }, id: ID, changeSet: 'c' },
    { kind: 'update', entitySet: 'accounts', id: ID, patch: { name: 'B' }, changeSet: 'c' },
    { kind: 'retrieve', entitySet: 'accounts', id: ID, select: ['name'] },
  ];
  const requests = list.map((op) => {
    const r = toRequest(op);
    assert.ok(r.ok);
    return r.value;
  });
  const plan = planBatches(list);
  assert.ok(plan.ok);
  const { body, contentType } = buildBatchBody(plan.value[0]!, requests, API, 'batch_T');
  assert.equal(contentType, 'multipart/mixed; boundary=batch_T');
  const cs = /boundary=(changeset_[0-9a-f-]+)/.exec(body)![1]!;
  const expected = [
    '--batch_T',
    `Content-Type: multipart/mixed; boundary=${cs}`,
    '',
    `--${cs}`,
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    'Content-ID: 1',
    '',
    `POST ${API}accounts HTTP/1.1`,
    'Accept: application/json',
    'Content-Type: application/json; type=entry',
    '',
    `{"name":"A","accountid":"${ID}"}`,
    `--${cs}`,
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    'Content-ID: 2',
    '',
    `PATCH ${API}accounts(${ID}) HTTP/1.1`,
    'Accept: application/json',
    'If-Match: *',
    'Content-Type: application/json; type=entry',
    '',
    '{"name":"B"}',
    `--${cs}--`,
    '--batch_T',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    `GET ${API}accounts(${ID})?$select=name HTTP/1.1`,
    'Accept: application/json',
    '',
    '--batch_T--',
    '',
  ].join('\r\n');
  assert.equal(body, expected);
});

test('batch answers parse with CRLF or LF, quoted boundaries and nested change sets', () => {
  const answer = [
    'preamble',
    '--batchresponse_1',
    'Content-Type: multipart/mixed; boundary=changesetresponse_2',
    '',
    '--changesetresponse_2',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    'Content-ID: 1',
    '',
    'HTTP/1.1 204 No Content',
    'OData-Version: 4.0',
    `OData-EntityId: ${API}accounts(${ID})`,
    '',
    '',
    '--changesetresponse_2--',
    '--batchresponse_1',
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    'HTTP/1.1 400 Bad Request',
    'Content-Type: application/json; odata.metadata=minimal',
    '',
    '{"error":{"code":"0x80044331","message":"too long"}}',
    '--batchresponse_1--',
    '',
  ];
  for (const eol of ['\r\n', '\n']) {
    const items = parseBatchResponse(
      'multipart/mixed; boundary="batchresponse_1"',
      answer.join(eol),
    );
    assert.ok(Array.isArray(items), String(items));
    assert.equal(items.length, 2);
    const [cs, single] = items;
    assert.equal(cs!.kind, 'changeSet');
    if (cs!.kind === 'changeSet') {
      assert.equal(cs!.responses[0]!.status, 204);
      assert.equal(cs!.responses[0]!.contentId, '1');
      assert.equal(cs!.responses[0]!.headers.get('odata-entityid'), `${API}accounts(${ID})`);
    }
    assert.equal(single!.kind, 'single');
    if (single!.kind === 'single') {
      assert.equal(single!.response.status, 400);
      assert.equal(JSON.parse(single!.response.body).error.code, '0x80044331');
    }
  }
  assert.equal(boundaryOf('application/json'), undefined);
  assert.equal(typeof parseBatchResponse('application/json', '{}'), 'string');
});
