import type { Command } from 'commander';
import { migrate } from '../../db/migrate.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { openOneShot } from '../runtime.ts';

/** `kobling migrate`: apply pending database migrations and say which. */
export function registerMigrate(program: Command, cli: CliEnv): void {
  program
    .command('migrate')
    .description('Apply pending database migrations')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const runtime = await openOneShot(cli, {
        migrate: false,
        secretKey: false,
        createData: true,
      });
      try {
        const report = await migrate(runtime.ctx.db);
        printResult(cli, opts.json, report, (r) => [
          ...r.applied.map(
            (m) => `applied ${m.module}/${String(m.version).padStart(3, '0')}_${m.name}`,
          ),
          `${r.applied.length} applied, ${r.alreadyApplied} already up to date`,
        ]);
      } finally {
        await runtime.close();
      }
    });
}
