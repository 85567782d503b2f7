import type { Command } from 'commander';
import { seedDemoCompany } from '../../erp/demo/seed-demo.ts';
import { unwrap } from '../../shared/errors.ts';
import { type CliEnv, printResult } from '../cli-context.ts';
import { openOneShot } from '../runtime.ts';

/** `kobling seed`: load the ERP demo company into a database that has none yet. */
export function registerSeed(program: Command, cli: CliEnv): void {
  program
    .command('seed')
    .description(
      'Load the ERP demo company (customers, items, prices, orders, invoices) if the ERP is empty',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const runtime = await openOneShot(cli);
      try {
        const summary = unwrap(await seedDemoCompany(runtime.ctx.db));
        printResult(cli, opts.json, { seeded: summary !== undefined, ...summary }, (s) =>
          s.seeded
            ? [
                `Loaded the ERP demo company: ${s.customers} customers, ${s.contacts} contacts, ${s.items} items, ${s.resources} resources, ${s.quotes} quotes, ${s.orders} open orders, ${s.invoices} posted invoices`,
              ]
            : ['The ERP already has a company; nothing loaded'],
        );
      } finally {
        await runtime.close();
      }
    });
}
