/**
 * The web UI's master data list on a large table: 100,000 customers (half of them coupled), the
 * customers page fetched through the real server as a logged-in user, printing the median and
 * slowest answer time per kind of request (first page, deep page, search, coupling filters).
 *   npm run bench -- web            (BENCH_RECORDS=100000 by default)
 */
import { createSession } from '../src/server/auth/credentials.ts';
import { createUser } from '../src/server/auth/users.ts';
import { createMigratedDb } from '../test/helpers/database.ts';
import { startTestServer } from '../test/helpers/server.ts';

const TOTAL = Number(process.env.BENCH_RECORDS ?? 100_000);
const RUNS = 7;

const db = await createMigratedDb('webbench');
const started = performance.now();
await db.query(
  `INSERT INTO erp.customers (number, display_name, city, email)
   SELECT 'B' || lpad(g::text, 7, '0'), 'Bench customer ' || g, 'Oslo', 'c' || g || '@bench.example'
   FROM generate_series(1, $1) g`,
  [TOTAL],
);
await db.query(
  `INSERT INTO integration.couplings (id, mapping_name, erp_table, erp_id, crm_entity, crm_id)
   SELECT gen_random_uuid(), 'CUSTOMER', 'customers', id, 'account', gen_random_uuid()
   FROM erp.customers WHERE number::text LIKE '%0' OR number::text LIKE '%2' OR number::text LIKE '%4'
      OR number::text LIKE '%6' OR number::text LIKE '%8'`,
);
await db.query('ANALYZE');
console.log(`${TOTAL} customers, half coupled, loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const server = await startTestServer(db);
const user = await createUser(db, { username: 'bench', password: 'bench password', role: 'readOnly' });
if (!user.ok) throw new Error(user.error.message);
const cookie = `kobling_session=${await createSession(db, user.value.id)}`;

const lastPage = Math.ceil(TOTAL / 50);
const cases: [string, string][] = [
  ['first page', '/customers'],
  ['middle page', `/customers?page=${Math.ceil(lastPage / 2)}`],
  ['last page', `/customers?page=${lastPage}`],
  ['search by name', `/customers?search=${encodeURIComponent(`customer ${TOTAL - 1}`)}`],
  ['search by number prefix', '/customers?search=B00012'],
  ['coupled only, page 100', '/customers?coupling=coupled&page=100'],
  ['not coupled, page 100', '/customers?coupling=uncoupled&page=100'],
];
for (const [label, path] of cases) {
  const times: number[] = [];
  let rows = '';
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const res = await fetch(`${server.baseUrl}${path}`, { headers: { cookie } });
    const html = await res.text();
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    rows = /Rows [^<]*/.exec(html)?.[0] ?? 'no rows';
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(26)} median ${times[Math.floor(RUNS / 2)]!.toFixed(0)} ms, slowest ${times[RUNS - 1]!.toFixed(0)} ms  (${rows.replace(/\s+/g, ' ').trim()})`,
  );
}
await server.close();
await db.drop();
