import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustEntity } from '../../src/crm-emulator/catalogue/index.ts';
import { CrmError } from '../../src/crm-emulator/errors.ts';
import { filterToSql, Params } from '../../src/crm-emulator/odata/filter-sql.ts';
import { parsePrefer, wantsAnnotation } from '../../src/crm-emulator/odata/prefer.ts';
import { parseQueryOptions } from '../../src/crm-emulator/odata/query-options.ts';
import { injectedFault, ServiceLimits } from '../../src/crm-emulator/protection.ts';

const account = mustEntity('account');
const sql = (filter: string) => {
  const params = new Params(1);
  const text = filterToSql(
    {
      entity: account,
      params,
      userId: '00000000-0000-0000-0000-000000000001',
      now: new Date('2026-01-15T12:00:00Z'),
    },
    parseQueryOptions(account, new URLSearchParams({ $filter: filter })).filter!,
  );
  return { text, values: params.values };
};

test('$filter becomes parameterized SQL: values never appear in the SQL text', () => {
  const r = sql(
    "name eq 'O''Brien; DROP TABLE x' and (creditlimit gt 100.5 or not contains(name,'a%'))",
  );
  assert.doesNotMatch(r.text, /DROP|O'Brien|100\.5/);
  assert.deepEqual(r.values, ["O'Brien; DROP TABLE x", '100.5', '%a%%']);
  assert.match(r.text, /lower\(\(r\.data->>'name'\)\) = lower\(\$2\)/);
  const lookup = sql('_primarycontactid_value eq 6F9619FF-8B86-D011-B42D-00C04FC964FF');
  assert.deepEqual(lookup.values, ['6f9619ff-8b86-d011-b42d-00c04fc964ff']);
  assert.match(
    sql('modifiedon ge 2026-01-01T00:00:00Z').text,
    /r\.modified_on >= \$2::timestamptz/,
  );
  assert.match(sql('accountid eq 6f9619ff-8b86-d011-b42d-00c04fc964ff').text, /r\.id = \$2::uuid/);
  assert.match(sql('telephone1 eq null').text, /IS NULL/);
  assert.match(sql('_ownerid_value ne null').text, /IS NOT NULL/);
});

test('$filter errors are Dataverse query errors', () => {
  for (const bad of [
    'name eq',
    "name eq 'x",
    'name xx 1',
    'nosuch eq 1',
    "creditlimit eq 'a'",
    'name eq 1 and',
    "unknownfn(name,'x')",
    '(name eq 1',
  ]) {
    assert.throws(
      () => sql(bad),
      (err: unknown) => err instanceof CrmError && err.status === 400 && err.code === '0x80060888',
      bad,
    );
  }
});

test('Prefer headers: one comma-separated header or several; annotation patterns', () => {
  const p = parsePrefer(
    'return=representation,odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*",odata.maxpagesize=50',
  );
  assert.equal(p.returnRepresentation, true);
  assert.equal(p.maxPageSize, 50);
  assert.ok(wantsAnnotation(p, 'OData.Community.Display.V1.FormattedValue'));
  assert.ok(wantsAnnotation(p, 'Microsoft.Dynamics.CRM.lookuplogicalname'));
  assert.ok(
    !wantsAnnotation(
      parsePrefer('odata.track-changes'),
      'Microsoft.Dynamics.CRM.lookuplogicalname',
    ),
  );
  assert.equal(parsePrefer('odata.track-changes, odata.continue-on-error').continueOnError, true);
});

test('service protection: concurrency, requests per window and injected faults', () => {
  const limits = new ServiceLimits({ maxConcurrent: 1, requestsPerWindow: 2, windowSeconds: 10 });
  const first = limits.admit('u', 0);
  assert.ok('done' in first);
  const second = limits.admit('u', 1);
  assert.ok(!('done' in second) && second.status === 429);
  assert.match(second.body!, /0x80072326/);
  first.done();
  const third = limits.admit('u', 2);
  assert.ok('done' in third);
  third.done();
  const fourth = limits.admit('u', 3);
  assert.ok(!('done' in fourth) && fourth.status === 429);
  assert.match(fourth.body!, /0x80072322/);
  assert.equal(fourth.headers['Retry-After'], '10');
  assert.ok('done' in limits.admit('u', 10_001), 'the window slides');
  assert.ok('done' in limits.admit('other', 3), 'limits are per user');
  assert.equal(
    injectedFault({ rate: 0.5 }, () => 0.9),
    undefined,
  );
  assert.equal(injectedFault({ rate: 0.5, statuses: [503] }, () => 0.1)?.status, 503);
});
