import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGuid, newId } from '../../src/shared/ids.ts';

test('newId makes RFC 9562 version 7 GUIDs that carry the time they were made', () => {
  const before = Date.now();
  const id = newId();
  const after = Date.now();
  assert.ok(isGuid(id), id);
  assert.equal(id, id.toLowerCase());
  assert.equal(id[14], '7', 'version 7');
  assert.match(id[19]!, /[89ab]/, 'RFC 9562 variant');
  const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(ms >= before && ms <= after + 1, `timestamp ${ms} outside ${before}–${after}`);
});

const inOrder = (ids: string[]) => {
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++)
    assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} ≥ ${ids[i]}`);
};

test('ids made one after the other sort in that order and never repeat', () => {
  inOrder(Array.from({ length: 20_000 }, newId));
});

test('past 4,096 ids in one millisecond, or with the clock set back, ids still sort in order', (t) => {
  const now = Date.now() + 60_000;
  const clock = t.mock.method(Date, 'now', () => now);
  const sameMs = Array.from({ length: 10_000 }, newId);
  clock.mock.mockImplementation(() => now - 5_000);
  inOrder([...sameMs, ...Array.from({ length: 100 }, newId)]);
});

test('ids keep their random part: two made in the same millisecond differ beyond the counter', () => {
  const [a, b] = [newId(), newId()];
  assert.notEqual(a.slice(19), b.slice(19));
});
