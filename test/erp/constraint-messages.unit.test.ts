import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pgFailure } from '../../src/erp/records/transactions.ts';

// PostgreSQL's errors as node-postgres hands them over; what callers get must name none of it.
const SQL_WORDS = /Key \(|_code|_number|_check|_fkey|"|constraint|erp\.|relation/;

test('constraint violations are said with BC captions, never with our SQL names', () => {
  const cases: [Record<string, string>, string, string][] = [
    [
      {
        code: '23503',
        table: 'sales_lines',
        constraint: 'sales_lines_unit_of_measure_code_fkey',
        detail: 'Key (unit_of_measure_code)=(CRATE) is not present in table "units_of_measure".',
      },
      'invalid_reference',
      'The field Unit of Measure Code of table Sales Line contains a value (CRATE) that cannot be found in the related table (Unit of Measure).',
    ],
    [
      {
        code: '23503',
        table: 'sales_headers',
        constraint: 'sales_headers_salesperson_code_fkey',
        detail: 'Key (salesperson_code)=(ZZ) is not present in table "salespeople".',
      },
      'invalid_reference',
      'The field Salesperson Code of table Sales Header contains a value (ZZ) that cannot be found in the related table (Salesperson/Purchaser).',
    ],
    [
      { code: '23503', table: 'items', detail: 'something else entirely' },
      'invalid_reference',
      'A value of table Item cannot be found in its related table.',
    ],
    [
      {
        code: '23505',
        table: 'item_units_of_measure',
        constraint: 'item_units_of_measure_pkey',
        detail: 'Key (item_number, code)=(I-2, BOX) already exists.',
      },
      'already_exists',
      "The record in table Item Unit of Measure already exists. Identification fields and values: Item No.='I-2',Code='BOX'",
    ],
    [
      { code: '23502', table: 'customers', column: 'display_name' },
      'validation_failed',
      'Display Name must have a value in Customer.',
    ],
    [
      { code: '23514', table: 'customers', constraint: 'customers_credit_limit_check' },
      'validation_failed',
      'The value of Credit Limit is not allowed in Customer.',
    ],
    [
      { code: '23514', table: 'sales_lines', constraint: 'line_amounts_consistent' },
      'validation_failed',
      'A value is not allowed in Sales Line.',
    ],
  ];
  for (const [err, code, message] of cases) {
    const failure = pgFailure({ ...err, message: 'new row for relation "x" violates …' });
    assert.deepEqual(failure, { code, message }, JSON.stringify(err));
    assert.doesNotMatch(message, SQL_WORDS);
  }
  assert.equal(pgFailure({ code: 'XX000' }), undefined, 'anything else stays a bug');
});
