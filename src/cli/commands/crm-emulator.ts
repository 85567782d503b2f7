import type { Command } from 'commander';
import { startCrmEmulatorService } from '../../crm-emulator/service.ts';
import { type CliEnv, configFrom } from '../cli-context.ts';
import { openRuntime } from '../runtime.ts';
import { onShutdown } from '../shutdown.ts';

interface CrmEmulatorOptions {
  port?: string;
  faultRate?: string;
  latency?: string;
  limits?: string;
}

/** `kobling crm-emulator`: only the CRM emulator (database and migrations included). */
export function registerCrmEmulator(program: Command, cli: CliEnv): void {
  program
    .command('crm-emulator')
    .description(
      'Run only the CRM emulator (a Dataverse Web API v9.2 server for Dynamics 365 Sales)',
    )
    .option('--port <port>', 'port (env KOBLING_CRM_PORT, default 8081)')
    .option(
      '--fault-rate <share>',
      'share of API requests answered 429/503 (env KOBLING_CRM_FAULT_RATE)',
    )
    .option('--latency <ms>', 'latency added to every API request (env KOBLING_CRM_LATENCY_MS)')
    .option(
      '--limits <spec>',
      'service protection limits: off, dataverse, or name=value pairs (env KOBLING_CRM_LIMITS)',
    )
    .action(async (opts: CrmEmulatorOptions) => {
      const config = configFrom(cli, {
        KOBLING_CRM_PORT: opts.port,
        KOBLING_CRM_FAULT_RATE: opts.faultRate,
        KOBLING_CRM_LATENCY_MS: opts.latency,
        KOBLING_CRM_LIMITS: opts.limits,
      });
      const runtime = await openRuntime(config, {
        applicationName: 'kobling-crm-emulator',
        secretKey: false,
        createData: true,
      });
      const stops: (() => Promise<void>)[] = [() => runtime.close()];
      const shutdown = onShutdown(async () => {
        for (const stop of stops.reverse()) await stop();
      }, runtime.ctx.logger);
      try {
        const service = await startCrmEmulatorService(runtime.ctx);
        stops.push(() => service.stop());
        cli.out('Kobling CRM emulator is running.');
        for (const line of service.lines) cli.out(`  ${line}`);
        cli.out(`  Token URL     ${service.details.tokenUrl}`);
        cli.out('Press Ctrl+C to stop.');
      } catch (err) {
        await shutdown();
        throw err;
      }
    });
}
