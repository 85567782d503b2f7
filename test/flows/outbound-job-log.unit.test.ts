import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logOutcome } from '../../src/flows/outbound-jobs.ts';
import { failure, ok } from '../../src/shared/result.ts';

/** What logOutcome wrote, level and message. */
function capture() {
  const lines: [string, string][] = [];
  return {
    lines,
    logger: {
      info: (_o: object, msg: string) => void lines.push(['info', msg]),
      warn: (_o: object, msg: string) => void lines.push(['warn', msg]),
    },
  };
}

test('a run held while customers are being coupled is information; a failure is a warning', () => {
  const held = capture();
  logOutcome(
    held.logger as never,
    'POSTEDSALESINV-INV',
    failure('mapping_held', 'Posted sales invoices wait: CUSTOMER is not synchronized now'),
  );
  assert.deepEqual(held.lines, [['info', 'outbound job waits']]);

  const failed = capture();
  logOutcome(failed.logger as never, 'CUSTOMER STATISTICS', failure('crm_unreachable', 'down'));
  assert.deepEqual(failed.lines, [['warn', 'outbound job failed']]);

  const quiet = capture();
  logOutcome(quiet.logger as never, 'CUSTOMER STATISTICS', failure('already_running', 'running'));
  logOutcome(quiet.logger as never, 'CUSTOMER STATISTICS', ok({ didWork: true }));
  assert.deepEqual(
    quiet.lines,
    [],
    'a run already going, or one that succeeded, logs nothing here',
  );
});
