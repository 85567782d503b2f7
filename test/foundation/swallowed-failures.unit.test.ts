import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceLinesWhere } from '../helpers/source-lines.ts';

// A failure dropped without a word: an empty handler or an empty catch block. A handler that
// settles a named case is a named function (`.catch(neverConnected)`) or says what it does.
const SWALLOWED = [
  /\.catch\(\s*\(\s*\w*\s*\)\s*=>\s*(\{\s*\}|undefined|null)\s*\)/,
  /catch\s*(\(\s*\w*\s*\))?\s*\{\s*\}/,
  /\.on\(\s*'error'\s*,\s*\(\s*\w*\s*\)\s*=>\s*(\{\s*\}|undefined|null|void \w+)\s*\)/,
];

test('no failure in src/ is swallowed silently: each handler names its case or logs', () => {
  const found = sourceLinesWhere((line) => SWALLOWED.some((re) => re.test(line)));
  assert.deepEqual(found, [], `swallowed failures:\n${found.join('\n')}`);
});
