import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI_ERROR_CODES } from '../../src/cli/error-codes.ts';
import { DATAVERSE_ERROR_CODES } from '../../src/dataverse/errors.ts';
import { ERP_ERROR_CODES } from '../../src/erp/errors.ts';
import { FLOWS_ERROR_CODES } from '../../src/flows/errors.ts';
import { INTEGRATION_ERROR_CODES } from '../../src/integration/errors.ts';
import { type ErrorCode, SHARED_ERROR_CODES, statusForCode } from '../../src/shared/error-codes.ts';
import { AppError } from '../../src/shared/errors.ts';
import { failure } from '../../src/shared/result.ts';
import { SYNC_ERROR_CODES } from '../../src/sync/errors.ts';
import { WEB_ERROR_CODES } from '../../src/web/error-codes.ts';

const TABLES = {
  shared: SHARED_ERROR_CODES,
  erp: ERP_ERROR_CODES,
  dataverse: DATAVERSE_ERROR_CODES,
  sync: SYNC_ERROR_CODES,
  integration: INTEGRATION_ERROR_CODES,
  flows: FLOWS_ERROR_CODES,
  web: WEB_ERROR_CODES,
  cli: CLI_ERROR_CODES,
};

test('every code answers with the status its part declared, and no two parts disagree on one', () => {
  const seen = new Map<string, { part: string; status: number }>();
  for (const [part, table] of Object.entries(TABLES)) {
    for (const [code, status] of Object.entries(table)) {
      assert.equal(statusForCode(code as ErrorCode), status, `${part}: ${code}`);
      const before = seen.get(code);
      if (before)
        assert.equal(before.status, status, `${code}: ${before.part} and ${part} disagree`);
      seen.set(code, { part, status });
    }
  }
  assert.equal(new AppError('customer_blocked', 'Blocked').status, 422);
  assert.equal(new AppError('connection_disabled', 'Off').status, 409);
});

test('a code no part declared does not compile, and at run time is a 500, never a success', () => {
  // @ts-expect-error: 'no_such_code' is not in any part's table
  const typo = failure('no_such_code', 'A typo');
  assert.equal(typo.ok, false);
  assert.equal(statusForCode('no_such_code' as ErrorCode), 500);
});
