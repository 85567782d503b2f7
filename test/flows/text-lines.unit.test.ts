import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkText } from '../../src/flows/shared/text-lines.ts';

test('a long text is cut into pieces of at most 100 characters, at a space when there is one', () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const pieces = chunkText(words);
  assert.ok(pieces.every((p) => p.length <= 100));
  assert.equal(pieces.join(' '), words);
  assert.ok(pieces.every((p) => !p.startsWith(' ') && !p.endsWith(' ')));
});

test('a text without spaces is cut exactly at 100 characters; each text line stands alone', () => {
  assert.deepEqual(
    chunkText('x'.repeat(250)).map((p) => p.length),
    [100, 100, 50],
  );
  assert.deepEqual(chunkText('first line\r\n\r\nsecond line\nthird'), [
    'first line',
    'second line',
    'third',
  ]);
  assert.deepEqual(chunkText(''), []);
  assert.deepEqual(chunkText('short', 3), ['sho', 'rt']);
});
