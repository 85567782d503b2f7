import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) ? [full] : [];
  });
}

// A failure dropped without a word: an empty handler or an empty catch block. A handler that
// settles a named case is a named function (`.catch(neverConnected)`) or says what it does.
const SWALLOWED = [
  /\.catch\(\s*\(\s*\w*\s*\)\s*=>\s*(\{\s*\}|undefined|null)\s*\)/,
  /catch\s*(\(\s*\w*\s*\))?\s*\{\s*\}/,
  /\.on\(\s*'error'\s*,\s*\(\s*\w*\s*\)\s*=>\s*(\{\s*\}|undefined|null|void \w+)\s*\)/,
];

test('no failure in src/ is swallowed silently: each handler names its case or logs', () => {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (SWALLOWED.some((re) => re.test(line)))
          found.push(`${path.relative(path.dirname(SRC), file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, [], `swallowed failures:\n${found.join('\n')}`);
});
