import type { Command } from 'commander';
import { clearThrottle } from '../../server/auth/throttle.ts';
import { listTokens, revokeToken } from '../../server/auth/tokens.ts';
import { changeUser, deleteUser, listUsers } from '../../server/auth/user-admin.ts';
import { findUserRow } from '../../server/auth/users.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { randomSecret } from '../../shared/ids.ts';
import { plural } from '../../shared/plural.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

/**
 * `kobling user list|disable|enable|delete|unlock|password` and `kobling token list|revoke`: the
 * life cycle of users and tokens from the command line — also the way back in when every admin
 * is throttled or the admin password is lost (whoever runs the CLI can reach the database).
 */
export function registerUserLifecycleCommands(program: Command, cli: CliEnv): void {
  const user = program.commands.find((c) => c.name() === 'user')!;
  user
    .command('list')
    .description('List users with their role, state and active tokens')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      withRuntime(cli, async ({ ctx }) => {
        const users = await listUsers(ctx.db, { top: 1000, skip: 0 });
        printResult(cli, opts.json, users, (list) => {
          const w = Math.max(8, ...list.map((u) => u.username.length));
          return [
            `${'USERNAME'.padEnd(w)} ${'ROLE'.padEnd(15)} ${'STATE'.padEnd(9)} TOKENS SESSIONS`,
            ...list.map(
              (u) =>
                `${u.username.padEnd(w)} ${u.role.padEnd(15)} ${(u.disabled ? 'disabled' : 'enabled').padEnd(9)} ${String(u.activeTokens).padStart(6)} ${String(u.activeSessions).padStart(8)}`,
            ),
          ];
        });
      }),
    );
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(`${name} <username>`)
      .description(
        disabled
          ? 'Disable a user: sessions and API tokens stop working at once (never the last enabled admin)'
          : 'Enable a disabled user again',
      )
      .action((username: string) =>
        withRuntime(cli, async ({ ctx }) => {
          const u = unwrap(await changeUser(ctx.db, username, { disabled }));
          cli.out(`${u.username} is ${disabled ? 'disabled' : 'enabled'}`);
        }),
      );
  }
  user
    .command('delete <username>')
    .description('Delete a user with their sessions and tokens (never the last enabled admin)')
    .action((username: string) =>
      withRuntime(cli, async ({ ctx }) => {
        const u = unwrap(await deleteUser(ctx.db, username));
        cli.out(`deleted user ${u.username}`);
      }),
    );
  user
    .command('unlock <username>')
    .description('Clear the login throttling of a user (failed attempts from every address)')
    .action((username: string) =>
      withRuntime(cli, async ({ ctx }) => {
        if (!(await findUserRow(ctx.db, username)))
          throw new AppError('not_found', `No user named '${username}'`);
        const n = await clearThrottle(ctx.db, username);
        cli.out(
          n > 0
            ? `cleared ${plural(n, 'login throttle counter')} of ${username}`
            : `${username} had no failed logins to clear`,
        );
      }),
    );
  user
    .command('password <username>')
    .description(
      'Set a new password (generated and printed when --password is omitted); ends the sessions and clears the login throttling',
    )
    .option('--password <password>', 'the new password (at least 8 characters)')
    .action((username: string, opts: { password?: string }) =>
      withRuntime(cli, async ({ ctx }) => {
        const password = opts.password ?? randomSecret(12);
        if (password.length < 8)
          throw new AppError('validation_failed', '--password must be at least 8 characters');
        const u = unwrap(await changeUser(ctx.db, username, { password }));
        await clearThrottle(ctx.db, username);
        cli.out(`new password set for ${u.username}`);
        if (!opts.password) cli.out(`password: ${password}   (shown only this once)`);
      }),
    );

  const token = program.commands.find((c) => c.name() === 'token')!;
  token
    .command('list')
    .description('List API tokens (never the token text), newest first')
    .option('--user <username>', 'only this user’s tokens')
    .option('--json', 'print as JSON')
    .action((opts: { user?: string; json?: boolean }) =>
      withRuntime(cli, async ({ ctx }) => {
        let userId: string | undefined;
        if (opts.user) {
          const row = await findUserRow(ctx.db, opts.user);
          if (!row) throw new AppError('not_found', `No user named '${opts.user}'`);
          userId = row.id;
        }
        const tokens = await listTokens(ctx.db, { userId, top: 1000, skip: 0 });
        printResult(cli, opts.json, tokens, (list) =>
          list.map(
            (t) =>
              `${t.id}  ${t.username.padEnd(20)} ${t.name.padEnd(16)} expires ${t.expiresAt ?? 'never'}${t.expired ? ' (expired)' : ''}  last used ${t.lastUsedAt ?? 'never'}`,
          ),
        );
      }),
    );
  token
    .command('revoke <id>')
    .description('Revoke an API token by its id (see `kobling token list`)')
    .action((id: string) =>
      withRuntime(cli, async ({ ctx }) => {
        if (!/^[0-9a-f-]{36}$/i.test(id))
          throw new AppError(
            'validation_failed',
            'Give the token id shown by `kobling token list`',
          );
        if (!(await revokeToken(ctx.db, id))) throw new AppError('not_found', `No token ${id}`);
        cli.out(`revoked token ${id}`);
      }),
    );
}
