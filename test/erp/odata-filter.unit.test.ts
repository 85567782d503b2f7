import assert from 'node:assert/strict';
import { test } from 'node:test';
import { f } from '../../src/erp/catalog/field-types.ts';
import { filterToSql, parseErpFilter as parseFilter } from '../../src/erp/query/filter-to-sql.ts';

const fields = new Map(
  [
    f('number', 'string'),
    f('displayName', 'string'),
    f('creditLimit', 'decimal'),
    f('blocked', 'boolean'),
    f('dueDate', 'date'),
    f('lastModifiedDateTime', 'datetime', { column: 'last_modified_at' }),
    f('id', 'guid'),
    f('sequence', 'integer', { column: 'line_number' }),
    f('header', 'json'),
  ].map((x) => [x.name, x]),
);

function sql(filter: string) {
  const ast = parseFilter(filter);
  if (!ast.ok) return { error: ast.error.code, message: ast.error.message };
  const params: unknown[] = [];
  const r = filterToSql(ast.value, fields, params);
  return r.ok ? { sql: r.value, params } : { error: r.error.code, message: r.error.message };
}

test('comparisons become parameterized SQL over the field columns', () => {
  assert.deepEqual(sql("number eq 'C1'"), { sql: '(t.number = $1::text)', params: ['C1'] });
  assert.deepEqual(sql('creditLimit ge 100.5'), {
    sql: '(t.credit_limit >= $1::numeric)',
    params: ['100.5'],
  });
  assert.deepEqual(sql('blocked ne true'), { sql: '(t.blocked <> $1::boolean)', params: [true] });
  assert.deepEqual(sql('dueDate lt 2030-01-31'), {
    sql: '(t.due_date < $1::date)',
    params: ['2030-01-31'],
  });
  assert.deepEqual(sql('lastModifiedDateTime gt 2030-01-31T10:00:00Z'), {
    sql: '(t.last_modified_at > $1::timestamptz)',
    params: ['2030-01-31T10:00:00Z'],
  });
  assert.deepEqual(sql('id eq 0f8fad5b-d9cb-469f-a165-70867728950e'), {
    sql: '(t.id = $1::uuid)',
    params: ['0f8fad5b-d9cb-469f-a165-70867728950e'],
  });
  assert.deepEqual(sql('10 lt sequence'), { sql: '(t.line_number > $1::numeric)', params: ['10'] });
  assert.deepEqual(sql('displayName eq null'), { sql: '(t.display_name IS NULL)', params: [] });
});

test('and binds tighter than or; parentheses and not regroup', () => {
  assert.deepEqual(sql("number eq 'a' or number eq 'b' and blocked eq false"), {
    sql: '((t.number = $1::text) OR ((t.number = $2::text) AND (t.blocked = $3::boolean)))',
    params: ['a', 'b', false],
  });
  assert.deepEqual(sql("(number eq 'a' or number eq 'b') and not (blocked eq true)"), {
    sql: '(((t.number = $1::text) OR (t.number = $2::text)) AND (NOT (t.blocked = $3::boolean)))',
    params: ['a', 'b', true],
  });
});

test('string functions; quotes inside strings are doubled', () => {
  assert.deepEqual(sql("contains(displayName, 'O''Brien')"), {
    sql: '(strpos(t.display_name, $1::text) > 0)',
    params: ["O'Brien"],
  });
  assert.deepEqual(sql("startswith(number,'C1')"), {
    sql: 'starts_with(t.number, $1::text)',
    params: ['C1'],
  });
  assert.equal(sql("endswith(number,'9')").sql, '(right(t.number, length($1::text)) = $1::text)');
});

test('injection attempts stay values or fail to parse', () => {
  assert.deepEqual(sql("number eq 'x'' OR 1=1 --'"), {
    sql: '(t.number = $1::text)',
    params: ["x' OR 1=1 --"],
  });
  assert.equal(sql("number eq 'x'; DROP TABLE t").error, 'invalid_filter');
  assert.equal(sql('number eq t.number').error, 'invalid_filter');
});

test('errors: unknown fields, type mismatches, bad syntax', () => {
  for (const bad of [
    "colour eq 'red'",
    'number eq 5',
    "creditLimit gt 'lots'",
    'blocked eq 1',
    "dueDate eq 'tomorrow'",
    "id eq 'not-a-guid'",
    'sequence eq 1.5',
    "header eq 'x'",
    "number eq 'open",
    "number eq 'a' and",
    "(number eq 'a'",
    "number eq 'a')",
    "number like 'a'",
    "substringof('a', number)",
    "contains(creditLimit, '1')",
    'creditLimit gt null',
    '',
    '('.repeat(100),
  ]) {
    assert.equal(sql(bad).error, 'invalid_filter', bad);
  }
  assert.match(sql("colour eq 'red'").message ?? '', /colour/);
});
