import type { Command } from 'commander';
import { forgetSecretKey } from '../../integration/secret-key-setup.ts';
import { AppError } from '../../shared/errors.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { openOneShot } from '../runtime.ts';

/**
 * `kobling secret-key reset`: the way out when the key that sealed the CRM client secret is lost.
 * Every process would otherwise refuse to start (integration/secret-key-setup.ts).
 */
export function registerSecretKey(program: Command, cli: CliEnv): void {
  const group = program
    .command('secret-key')
    .description('The key that encrypts stored CRM secrets (KOBLING_SECRET_KEY)');
  group
    .command('reset')
    .description(
      "Forget the database's key fingerprint and its stored CRM client secret (when the key is lost); enter the secret again after",
    )
    .option('--yes', 'really clear them (every process on this database is affected)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes)
        throw new AppError(
          'validation_failed',
          'This clears the stored CRM client secret for every process sharing this database; run again with --yes',
        );
      const runtime = await openOneShot(cli, { secretKey: false });
      try {
        const done = await forgetSecretKey(runtime.ctx.db);
        printResult(cli, opts.json, done, (d) => [
          d.fingerprintCleared || d.secretCleared
            ? `Key fingerprint ${d.fingerprintCleared ? 'forgotten' : 'was not stored'}; stored CRM client secret ${d.secretCleared ? 'cleared' : 'was not set'}.`
            : 'Nothing to reset: no key fingerprint and no CRM client secret were stored.',
          'The next start settles the key it has (or generates one); then enter the CRM client secret again (Connection page or PATCH /connection).',
        ]);
      } finally {
        await runtime.close();
      }
    });
}
