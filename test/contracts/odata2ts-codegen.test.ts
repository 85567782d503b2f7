import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { crmToken, startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A code generator nobody here wrote (@odata2ts/odata2ts) reads both `$metadata` documents (the
 * ERP API's and the Dataverse emulator's) and the TypeScript client it generates type-checks,
 * together with a small program that uses the generated types the way a client would.
 */

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const bin = (name: string) => path.join(repo, 'node_modules', '.bin', name);

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let server: TestServer;
let emulator: Awaited<ReturnType<typeof startTestCrmEmulator>>;
let dir: string;

before(async () => {
  db = await createMigratedDb('contracts_codegen');
  server = await startTestServer(db);
  emulator = await startTestCrmEmulator(db);
  dir = mkdtempSync(path.join(tmpdir(), 'kobling-odata2ts-'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});
after(async () => {
  await emulator?.stop();
  await server?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function metadata(url: string, token: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, url);
  assert.match(res.headers.get('content-type') ?? '', /xml/);
  return res.text();
}

test('odata2ts generates clients for both $metadata documents that type-check', {
  timeout: 600_000,
}, async () => {
  const erpXml = await metadata(
    `${server.baseUrl}/api/v2.0/$metadata`,
    await server.tokenFor('readOnly'),
  );
  const crmXml = await metadata(
    `${emulator.apiUrl}$metadata`,
    await crmToken(emulator, emulator.clientId, emulator.clientSecret),
  );
  writeFileSync(path.join(dir, 'erp.xml'), erpXml);
  writeFileSync(path.join(dir, 'crm.xml'), crmXml);
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        lib: ['ES2023', 'DOM'],
      },
      include: ['erp', 'crm', 'usage.ts'],
    }),
  );
  for (const name of ['erp', 'crm']) {
    mkdirSync(path.join(dir, name));
    const out = await run(
      bin('odata2ts'),
      ['-s', `${name}.xml`, '-o', name, '-m', 'all', '-e', 'ts'],
      {
        cwd: dir,
        timeout: 300_000,
      },
    );
    assert.match(out.stdout, /Successfully finished/, `${name}: ${out.stdout}${out.stderr}`);
  }
  // A client program against the generated models: the names BC and Dataverse clients use.
  writeFileSync(
    path.join(dir, 'usage.ts'),
    `import type { EditablesalesOrder, salesOrder, salesOrder_shipAndInvoiceParams } from './erp/MicrosoftNavModel.js';
import type { MicrosoftNavService } from './erp/MicrosoftNavService.js';
import type { account } from './crm/MicrosoftDynamicsCrmModel.js';
export const order: EditablesalesOrder = { customerId: '00000000-0000-0000-0000-000000000001', currencyId: null, paymentTermsId: null, shipmentMethodId: null };
export const post: salesOrder_shipAndInvoiceParams = { postingDate: '2030-01-31', lines: [{ sequence: 10000, shipQuantity: 1, invoiceQuantity: null }] };
export const customerOf = (o: salesOrder) => o.customer?.number ?? o.customerNumber;
export const lines = (o: salesOrder) => (o.salesOrderLines ?? []).map((l) => l.quantity);
export type Service = MicrosoftNavService<never>;
export const accountName = (a: account) => a.name;
`,
  );
  const tsc = await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: dir, timeout: 300_000 }).catch(
    (err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? 'failed',
    }),
  );
  assert.equal(`${tsc.stdout}${tsc.stderr}`.trim(), '', 'the generated clients type-check');
});
