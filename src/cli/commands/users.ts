import type { Command } from 'commander';
import { createApiToken } from '../../server/auth/credentials.ts';
import { createUser, findUserRow, ROLES } from '../../server/auth/users.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { randomSecret } from '../../shared/ids.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { openOneShot } from '../runtime.ts';

/** `kobling user add` and `kobling token create`. */
export function registerUserCommands(program: Command, cli: CliEnv): void {
  const user = program.command('user').description('Manage users');
  user
    .command('add <username>')
    .description(`Create a user; roles: ${ROLES.join(', ')}`)
    .option('--role <role>', 'admin, orderProcessor or readOnly', 'readOnly')
    .option(
      '--password <password>',
      'initial password (at least 8 characters); generated and printed when omitted',
    )
    .option('--display-name <name>', 'full name shown in the UI')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        username: string,
        opts: { role: string; password?: string; displayName?: string; json?: boolean },
      ) => {
        const runtime = await openOneShot(cli);
        try {
          const password = opts.password ?? randomSecret(12);
          const created = unwrap(
            await createUser(runtime.ctx.db, {
              username,
              password,
              role: opts.role as (typeof ROLES)[number],
              displayName: opts.displayName ?? '',
            }),
          );
          const shown = opts.password ? undefined : password;
          printResult(
            cli,
            opts.json,
            { ...created, ...(shown ? { password: shown } : {}) },
            (u) => [
              `created user ${u.username} (${u.role})`,
              ...(shown ? [`password: ${shown}   (shown only this once)`] : []),
            ],
          );
        } finally {
          await runtime.close();
        }
      },
    );

  const token = program.command('token').description('Manage API tokens');
  token
    .command('create')
    .description(
      'Create an API token for a user and print it (send it as "Authorization: Bearer <token>")',
    )
    .requiredOption('--user <username>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--expires-days <days>', 'expire after this many days (default: never)')
    .action(async (opts: { user: string; name: string; expiresDays?: string }) => {
      const expires = opts.expiresDays === undefined ? undefined : Number(opts.expiresDays);
      if (expires !== undefined && (!Number.isInteger(expires) || expires < 1)) {
        throw new AppError(
          'validation_failed',
          '--expires-days must be a whole number of days ≥ 1',
        );
      }
      const runtime = await openOneShot(cli);
      try {
        const row = await findUserRow(runtime.ctx.db, opts.user);
        if (!row) throw new AppError('not_found', `No user named '${opts.user}'`);
        cli.out(
          await createApiToken(runtime.ctx.db, row.id, { name: opts.name, expiresInDays: expires }),
        );
      } finally {
        await runtime.close();
      }
    });
}
