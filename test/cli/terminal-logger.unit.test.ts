import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneLine, terminalLogger } from '../../src/cli/terminal-logger.ts';

test('a one-shot command logs nothing below error unless asked, and what it logs is a readable line, not JSON', () => {
  const lines: string[] = [];
  const quiet = terminalLogger(undefined, (l) => void lines.push(l));
  quiet.warn({ mapping: 'CUSTOMER', code: 'network_error' }, 'Counting accounts in the CRM failed');
  quiet.error({ err: new Error('connection reset') }, 'closing the pool failed');
  assert.deepEqual(lines, ['error: closing the pool failed: connection reset\n']);

  lines.length = 0;
  const asked = terminalLogger('warn', (l) => void lines.push(l));
  asked.warn({ mapping: 'CUSTOMER', code: 'network_error' }, 'Counting accounts in the CRM failed');
  asked.info('not shown at warn');
  assert.deepEqual(lines, [
    'warning: Counting accounts in the CRM failed (mapping CUSTOMER, code network_error)\n',
  ]);
  assert.equal(oneLine('not json'), 'not json');
});
