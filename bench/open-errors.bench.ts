/**
 * The open record errors at scale: 100,000 errors of 20,000 records (five failing passes of a
 * mapping, a tenth of the records synchronized since), read as `GET /errors` and `kobling errors`
 * read them — a page, a page deep in the list, a job's page, the count — and counted per mapping
 * as `numberOfErrors` counts them. Prints the median and slowest time of each.
 *   npm run bench -- open-errors            (BENCH_RECORDS=20000 by default, 5 failures each)
 */
import {
  countErrors,
  listErrors,
  listErrorsKeyed,
  openErrorCounts,
} from '../src/sync/queries.ts';
import { createMigratedDb } from '../test/helpers/database.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const PASSES = 5;
const RUNS = 9;

const db = await createMigratedDb('errbench');
const started = performance.now();
// Five failing passes, a minute apart, then a sixth that synchronized every tenth record.
await db.query(
  `INSERT INTO integration.sync_jobs (id, mapping_name, direction, status, started_at)
   SELECT ('00000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, 'CUSTOMER', 'ToIntegrationTable',
     'succeeded', now() - make_interval(mins => 10 - p)
   FROM generate_series(1, $1 + 1) p`,
  [PASSES],
);
const job = (p: number) => `00000000-0000-4000-8000-${String(p).padStart(12, '0')}`;
// Half of the records are coupled (their last pass to the CRM failed, or for every tenth record
// succeeded in the last pass), half never reached the CRM.
await db.query(
  `CREATE TEMP TABLE bench_records AS
   SELECT g, gen_random_uuid() AS erp_id, CASE WHEN g % 2 = 0 THEN gen_random_uuid() END AS crm_id
   FROM generate_series(1, $1) g`,
  [RECORDS],
);
await db.query(
  `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id,
     last_result_to_crm, last_job_to_crm, created_at)
   SELECT gen_random_uuid(), 'CUSTOMER', 'customers', erp_id, 'account', crm_id,
     CASE WHEN g % 10 = 0 THEN 'Success' ELSE 'Failure' END,
     CASE WHEN g % 10 = 0 THEN $1::uuid ELSE $2::uuid END, now() - interval '1 hour'
   FROM bench_records WHERE crm_id IS NOT NULL`,
  [job(PASSES + 1), job(PASSES)],
);
for (let p = 1; p <= PASSES; p++)
  await db.query(
    `INSERT INTO integration.sync_errors (job_id, mapping_name, direction, erp_table, erp_id, crm_entity, crm_id, message, created_at)
     SELECT $1, 'CUSTOMER', 'ToIntegrationTable', 'customers', erp_id, 'account', crm_id,
       'Bench failure ' || g, now() - make_interval(mins => 10 - $2)
     FROM bench_records ORDER BY random()`,
    [job(p), p],
  );
// Each failure supersedes its record's one before and continues its count of attempts (nothing
// settled a record between its failures), as logRecordError records them (here in bulk).
await db.query(
  `UPDATE integration.sync_errors e SET superseded = n.attempt < $1, attempt = n.attempt
     FROM (SELECT id, row_number() OVER (PARTITION BY mapping_name, direction, erp_id ORDER BY id)::int AS attempt
             FROM integration.sync_errors) n
    WHERE n.id = e.id`,
  [PASSES],
);
await db.query('ANALYZE');
const errors = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM integration.sync_errors');
console.log(
  `${errors.rows[0]?.n} errors of ${RECORDS} records loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const deep = await listErrorsKeyed(db, { top: 1, skip: 10_000 });
// Deep in the history most failures are superseded: their settlement is read from later ones.
const deepHistory = await listErrorsKeyed(db, { top: 1, skip: 50_000, all: true });
const cases: [string, () => Promise<number>][] = [
  ['first page (51 rows)', async () => (await listErrors(db, { top: 51, skip: 0 })).length],
  [
    'page after row 10,000',
    async () => (await listErrorsKeyed(db, { top: 51, skip: 0, after: deep[0]!.key })).length,
  ],
  [
    "a job's page",
    async () => (await listErrors(db, { top: 51, skip: 0, jobId: job(PASSES) })).length,
  ],
  ['history page (all)', async () => (await listErrors(db, { top: 51, skip: 0, all: true })).length],
  [
    'history page after row 50,000',
    async () =>
      (await listErrorsKeyed(db, { top: 51, skip: 0, all: true, after: deepHistory[0]!.key }))
        .length,
  ],
  ['count (@odata.count)', () => countErrors(db, {})],
  ['numberOfErrors (per mapping)', async () => (await openErrorCounts(db)).get('CUSTOMER') ?? 0],
];
for (const [label, run] of cases) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    rows = await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(30)} median ${times[Math.floor(RUNS / 2)]!.toFixed(1)} ms, slowest ${times[RUNS - 1]!.toFixed(1)} ms  (${rows})`,
  );
}
if (process.env.BENCH_KEEP) await db.close();
else await db.drop();
