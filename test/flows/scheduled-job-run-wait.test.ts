import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callJson } from '../helpers/server.ts';
import { serverSetting } from '../sync/server-setting.ts';

// `POST /scheduledJobs/{name}/run` with {"wait": true} for a mapping's job: run in the request and
// answered with what each pass did, or refused with why it did not run (it used to be queued, the
// switch unread).

const s = serverSetting();
const api = (method: string, path: string, body?: unknown) =>
  callJson(`${s.server.baseUrl}/api/integration/v1${path}`, method, s.admin, body);

test('a mapping run with {"wait": true} runs in the request and answers its jobs and counters', async () => {
  const { rows } = await s.fx.db.query<{ id: string }>(
    `INSERT INTO erp.customers (number, display_name, city) VALUES ('W0001', 'Waiting Ltd', 'Oslo') RETURNING id`,
  );
  const coupled = await api('POST', '/createInCrm', { mapping: 'CUSTOMER', erpIds: [rows[0]!.id] });
  assert.equal(coupled.json.created?.length, 1, coupled.text);
  // A regular run synchronizes coupled records (as Business Central's): the change goes out.
  await s.fx.db.query(`UPDATE erp.customers SET city = 'Trondheim' WHERE number = 'W0001'`);
  const r = await api('POST', '/scheduledJobs/customer/run', { wait: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ran, true);
  assert.equal(r.json.mapping, 'CUSTOMER');
  const toCrm = r.json.jobs.find(
    (j: { direction: string }) => j.direction === 'ToIntegrationTable',
  );
  assert.equal(toCrm?.status, 'succeeded', r.text);
  assert.equal(toCrm.modified, 1, r.text);
  const account = await s.fx.client.retrieve<{ address1_city: string }>(
    'accounts',
    coupled.json.created[0].crmId,
  );
  assert.ok(account.ok);
  assert.equal(account.value.address1_city, 'Trondheim');
  // Nothing new: the run says it found nothing to do, not "queued".
  const again = await api('POST', '/scheduledJobs/CUSTOMER/run', { wait: true });
  assert.equal(again.status, 200, again.text);
  const none = again.json.jobs.find(
    (j: { direction: string }) => j.direction === 'ToIntegrationTable',
  );
  assert.equal(none?.modified, 0, again.text);
  assert.equal(none?.message, 'nothing to do', again.text);
});

test('a mapping run that cannot start is refused with why', async () => {
  assert.equal((await api('POST', '/connection/disable')).status, 200);
  try {
    const r = await api('POST', '/scheduledJobs/CUSTOMER/run', { wait: true });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'connection_disabled');
  } finally {
    assert.equal((await api('POST', '/connection/enable')).status, 200);
  }
  // No body (or an empty one) is no wait: queued, here refused only because no job queue runs.
  const plain = await api('POST', '/scheduledJobs/CUSTOMER/run');
  assert.equal(plain.json.error?.code, 'not_ready', plain.text);
  const unknown = await api('POST', '/scheduledJobs/NO%20SUCH/run', { wait: true });
  assert.equal(unknown.status, 404, unknown.text);
});
