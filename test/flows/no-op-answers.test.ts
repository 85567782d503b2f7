import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useFixture } from '../helpers/use-fixture.ts';
import { startOutboundFixture } from './outbound-fixture.ts';

// "No silent success" on the coupling API: an action that had nothing to do says so, and opens no
// synchronization job for nothing.
const t = useFixture(startOutboundFixture);

const jobsOf = async (mapping: string) =>
  (await t.ok('GET', `/jobs?mapping=${encodeURIComponent(mapping)}`)).value.length as number;

test('uncoupling a record that is not coupled says nothing changed; uncoupling a coupled one says it was deleted', async () => {
  const none = await t.api('POST', '/couplings/uncouple', {
    mapping: 'CUSTOMER',
    erpIds: [randomUUID()],
  });
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.json, {
    uncoupled: 0,
    message: 'None of the given records was coupled in mapping CUSTOMER; nothing changed',
  });
  assert.ok(await t.crmIdOf(t.company.usd.id), 'the customer is coupled before');
  const one = await t.api('POST', '/couplings/uncouple', {
    mapping: 'CUSTOMER',
    erpIds: [t.company.usd.id],
  });
  assert.deepEqual(one.json, { uncoupled: 1, message: 'Coupling deleted for 1 record' });
  assert.equal(await t.crmIdOf(t.company.usd.id), undefined);
});

test('match-based coupling with every record already coupled opens no job and says why', async () => {
  const before = await jobsOf('UNIT GROUP');
  const r = await t.api('POST', '/couplings/matchBased', { mapping: 'UNIT GROUP' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.jobId, null, r.text);
  assert.equal(r.json.coupled, 0);
  assert.match(
    r.json.message,
    /^Nothing to couple: every unitGroups record in the filter of mapping UNIT GROUP is already coupled; no job was run$/,
  );
  const given = await t.api('POST', '/couplings/matchBased', {
    mapping: 'UNIT GROUP',
    erpIds: [randomUUID()],
  });
  assert.equal(given.json.jobId, null, given.text);
  assert.match(given.json.message, /^Nothing to couple: none of the given records/);
  assert.equal(await jobsOf('UNIT GROUP'), before, 'no synchronization job was opened');
});
