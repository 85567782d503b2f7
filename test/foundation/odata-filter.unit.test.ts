import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidIsoDate, isValidIsoDateTime } from '../../src/shared/calendar.ts';
import { parseFilter } from '../../src/shared/odata-filter/parse.ts';

const parse = (text: string, aliases?: Map<string, string>) => {
  const r = parseFilter(text, { aliases });
  return r.ok ? r.value : r.error;
};

test('one grammar: comparisons, precedence, functions, paths', () => {
  assert.deepEqual(parse("a eq 'x' or b gt 1 and not c eq true"), {
    kind: 'or',
    left: {
      kind: 'compare',
      op: 'eq',
      left: { kind: 'property', path: ['a'] },
      right: { kind: 'literal', type: 'string', value: 'x' },
    },
    right: {
      kind: 'and',
      left: {
        kind: 'compare',
        op: 'gt',
        left: { kind: 'property', path: ['b'] },
        right: { kind: 'literal', type: 'number', value: '1' },
      },
      right: {
        kind: 'not',
        operand: {
          kind: 'compare',
          op: 'eq',
          left: { kind: 'property', path: ['c'] },
          right: { kind: 'literal', type: 'boolean', value: true },
        },
      },
    },
  });
  assert.deepEqual(parse("contains(primarycontactid/fullname,'O''B')"), {
    kind: 'text',
    fn: 'contains',
    property: { kind: 'property', path: ['primarycontactid', 'fullname'] },
    value: { kind: 'literal', type: 'string', value: "O'B" },
  });
  assert.deepEqual(
    parse("Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b'])"),
    { kind: 'queryFunction', name: 'In', property: 'name', values: ['a', 'b'] },
  );
  assert.deepEqual(parse("id eq guid'0F8FAD5B-D9CB-469F-A165-70867728950E'"), {
    kind: 'compare',
    op: 'eq',
    left: { kind: 'property', path: ['id'] },
    right: { kind: 'literal', type: 'guid', value: '0f8fad5b-d9cb-469f-a165-70867728950e' },
  });
  assert.deepEqual(parse('x eq @p1', new Map([['@p1', '2026-01-31']])), {
    kind: 'compare',
    op: 'eq',
    left: { kind: 'property', path: ['x'] },
    right: { kind: 'literal', type: 'date', value: '2026-01-31' },
  });
});

test('lambda operators parse into their own node (translators decide support)', () => {
  assert.deepEqual(parse("contact_customer_accounts/any(c: c/fullname eq 'A')"), {
    kind: 'lambda',
    op: 'any',
    collection: ['contact_customer_accounts'],
    variable: 'c',
    predicate: {
      kind: 'compare',
      op: 'eq',
      left: { kind: 'property', path: ['c', 'fullname'] },
      right: { kind: 'literal', type: 'string', value: 'A' },
    },
  });
  assert.deepEqual(parse('lines/any()'), { kind: 'lambda', op: 'any', collection: ['lines'] });
  assert.equal((parse('lines/all()') as { code: string }).code, 'invalid_filter');
});

test('bad input fails as invalid_filter with a position, never throws', () => {
  for (const bad of [
    '',
    'a eq',
    "a eq 'x",
    'a xx 1',
    'a eq 1 and',
    '(a eq 1',
    'a eq 1)',
    'a eq 2026-02-29',
    'a eq 0000-01-01',
    'a eq 2026-01-01T25:00:00Z',
    'a eq 1e999',
    "a eq 'x\u0000y'",
    "a eq '\uD800'",
    'a eq @missing',
    'not '.repeat(100) + 'a eq 1',
    `${'('.repeat(100)}a eq 1${')'.repeat(100)}`,
    'x'.repeat(5000),
    "a eq 'x'; DROP TABLE t",
  ]) {
    const r = parseFilter(bad);
    assert.equal(r.ok, false, bad.slice(0, 40));
    if (!r.ok) assert.equal(r.error.code, 'invalid_filter');
  }
  const r = parseFilter('a xx 1');
  assert.ok(!r.ok && /position 2/.test(r.error.message), JSON.stringify(r));
});

test('calendar checks refuse days that do not exist', () => {
  assert.ok(isValidIsoDate('2024-02-29'));
  assert.ok(!isValidIsoDate('2026-02-29'));
  assert.ok(!isValidIsoDate('2026-02-30'));
  assert.ok(!isValidIsoDate('0000-01-01'));
  assert.ok(isValidIsoDateTime('2026-01-01T10:00:00.1234567Z'));
  assert.ok(!isValidIsoDateTime('2026-04-31T10:00:00Z'));
});
