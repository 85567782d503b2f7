import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
// @ts-expect-error the package ships no type declarations
import parsePrometheus from 'parse-prometheus-text-format';
import { undoJobLocked } from '../../src/integration/undo-service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { EngineContext } from '../../src/sync/engine/context.ts';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type SyncFixture, startSyncFixture } from '../sync/sync-fixture.ts';

let fx: SyncFixture;
let server: TestServer;
/** Every line the engine logged at info or above, parsed. */
let lines: Record<string, unknown>[];
let ctx: EngineContext;

before(async () => {
  fx = await startSyncFixture();
  lines = [];
  const capture = { write: (s: string) => lines.push(JSON.parse(s)) };
  ctx = { ...fx.ctx, logger: createLogger('info', capture as unknown as NodeJS.WritableStream) };
  server = await startTestServer(fx.db);
});
after(async () => {
  await server?.close();
  await fx?.close();
});

const logged = (msg: string) => lines.filter((l) => l['msg'] === msg);

test('a synchronization job and its undo each log one info line with their counters', async () => {
  await fx.db.query(
    `INSERT INTO erp.customers (number, display_name) SELECT 'L' || g, 'Log customer ' || g FROM generate_series(1, 35) g`,
  );
  const [run] = await runMapping(ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    ignoreOnlyCoupled: true,
    trigger: 'manual',
  });
  assert.equal(run!.counters.inserted, 35, run!.message);
  const [finished, ...more] = logged('synchronization job finished');
  assert.equal(more.length, 0, 'one line per job, not per chunk');
  assert.equal(finished!['level'], 30);
  assert.equal(finished!['jobId'], run!.jobId);
  assert.equal(finished!['mapping'], 'CUSTOMER');
  assert.equal(finished!['direction'], 'ToIntegrationTable');
  assert.equal(finished!['trigger'], 'manual');
  assert.equal(finished!['status'], 'succeeded');
  assert.equal((finished!['counters'] as Record<string, number>)['inserted'], 35);
  assert.equal(typeof finished!['ms'], 'number');

  // A real-time wake-up with nothing to do stays below info.
  lines.length = 0;
  const [idle] = await runMapping(ctx, fx.mapping('CUSTOMER'), {
    only: 'ToIntegrationTable',
    trigger: 'realtime',
  });
  assert.equal(idle!.message, 'nothing to do');
  assert.deepEqual(lines, []);

  const undone = await undoJobLocked(fx.db, ctx, run!.jobId);
  assert.ok(undone.ok, undone.ok ? '' : undone.error.message);
  const [undo, ...others] = logged('undo done');
  assert.equal(others.length, 0);
  assert.equal(undo!['level'], 30);
  assert.equal(undo!['jobId'], run!.jobId);
  assert.equal(undo!['undoJobId'], undone.value.undoJobId);
  assert.equal((undo!['counters'] as Record<string, number>)['deleted'], 35);
  // Ids and counts only: no record names reach the log.
  assert.doesNotMatch(JSON.stringify(lines), /Log customer/);
});

test('/metrics exposes process metrics and HTTP requests by route pattern', async () => {
  const id = '00000000-0000-4000-8000-000000000001';
  const token = await server.tokenFor('readOnly');
  const res = await fetch(`${server.baseUrl}/api/integration/v1/jobs/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 404);
  const scrape = await fetch(`${server.baseUrl}/metrics`);
  const text = await scrape.text();
  const families = new Map(
    (parsePrometheus(text) as { name: string; type: string; metrics: never[] }[]).map((f) => [
      f.name,
      f,
    ]),
  );
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_start_time_seconds',
    'nodejs_eventloop_lag_seconds',
  ])
    assert.ok(families.has(name), `${name} is exposed`);
  const requests = families.get('kobling_http_requests_total') as unknown as {
    metrics: { value: string; labels: Record<string, string> }[];
  };
  const jobRoute = requests.metrics.find(
    (m) => m.labels['route'] === '/api/integration/v1/jobs/:id' && m.labels['status'] === '404',
  );
  assert.equal(jobRoute?.labels['method'], 'GET');
  assert.equal(Number(jobRoute?.value), 1);
  assert.doesNotMatch(text, new RegExp(id), 'the raw URL is never a label');
  assert.equal(families.get('kobling_http_request_duration_seconds')?.type, 'HISTOGRAM');
});
