import { plural } from '../../shared/plural.ts';
import '../error-codes.ts';
import type { Command } from 'commander';
import { listCrmQuotes, processQuotesInErp } from '../../flows/quotes/quote-pickup.ts';
import { crmIdsBody } from '../../flows/request-schemas.ts';
import { reportOrderStatus } from '../../flows/sales-orders/order-events.ts';
import {
  autoCreateSalesOrders,
  createOrdersInErp,
  listCrmSalesOrders,
} from '../../flows/sales-orders/order-pickup.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { type CliEnv, checkedValues, parseTop, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

type Outcome = {
  ok: boolean;
  crmId: string;
  message?: string;
  error?: { code: string; message: string };
};

/** The CRM ids of an option, checked as the API checks them: a bad one never reaches the CRM. */
const crmIdsOf = (option: string, ids: readonly string[]) =>
  checkedValues(option, crmIdsBody, 'crmIds', ids);

/** Prints per-document outcomes; exit code 1 when any was refused. */
function printOutcomes(
  cli: CliEnv,
  json: boolean | undefined,
  report: { refused: number; results: Outcome[] },
  summary: string,
) {
  printResult(cli, json, report, (r) => [
    ...r.results.map((x) =>
      x.ok
        ? `${x.crmId}  ${x.message}`
        : `${x.crmId}  refused [${x.error?.code}]: ${x.error?.message}`,
    ),
    summary,
  ]);
  if (report.refused > 0)
    throw new AppError(
      'documents_refused',
      `${plural(report.refused, 'document')} refused; see above`,
    );
}

/** `kobling orders` and `kobling quotes`: the CRM documents and taking them over into the ERP. */
export function registerSalesDocumentCommands(program: Command, cli: CliEnv): void {
  program
    .command('orders')
    .description(
      'List submitted CRM sales orders with their ERP order or why they were refused; create them in the ERP',
    )
    .option('--all', 'include active, fulfilled and invoiced CRM orders')
    .option('--top <n>', 'how many (default 200)')
    .option('--create <crmIds...>', 'create ERP orders from these submitted CRM orders')
    .option('--auto', 'run the automatic pick-up now (every submitted order not yet in the ERP)')
    .option('--report-status', 'report releases, shipments, invoices and deletions to the CRM now')
    .option('--json', 'print as JSON')
    .action(
      (opts: {
        all?: boolean;
        top?: string;
        create?: string[];
        auto?: boolean;
        reportStatus?: boolean;
        json?: boolean;
      }) => {
        // Checked before anything starts: a bad id never reaches the CRM.
        const create = opts.create && crmIdsOf('--create', opts.create);
        return withRuntime(cli, async ({ ctx }) => {
          if (create || opts.auto) {
            const report = unwrap(
              create ? await createOrdersInErp(ctx, create) : await autoCreateSalesOrders(ctx),
            );
            return printOutcomes(
              cli,
              opts.json,
              report,
              report.results.length === 0
                ? 'No submitted CRM orders are waiting; nothing was created.'
                : report.created + report.refused === 0
                  ? `Nothing to create: ${plural(report.unchanged, 'order')} already in the ERP`
                  : `${report.created} created, ${report.unchanged} already in the ERP, ${report.refused} refused`,
            );
          }
          if (opts.reportStatus) {
            const r = unwrap(await reportOrderStatus(ctx));
            return printResult(cli, opts.json, r, (x) => [
              x.events === 0
                ? 'No order events to report.'
                : `${plural(x.events, 'event')}: ${plural(x.posts, 'timeline post')}, ${plural(x.invoiced, 'order')} invoiced, ${x.reactivated} reactivated`,
            ]);
          }
          const rows = unwrap(
            await listCrmSalesOrders(ctx, {
              state: opts.all ? 'all' : 'submitted',
              top: parseTop(opts.top, 200),
            }),
          );
          printResult(cli, opts.json, rows, (list) =>
            list.length === 0
              ? ['No submitted CRM sales orders.']
              : [
                  `${'CRM ORDER'.padEnd(22)} ${'NAME'.padEnd(28)} ${'STATE'.padEnd(10)} ${'ERP'.padEnd(9)} ${'ERP ORDER'.padEnd(10)} ERROR`,
                  ...list.map(
                    (o) =>
                      `${o.orderNumber.padEnd(22)} ${o.name.slice(0, 28).padEnd(28)} ${o.state.padEnd(10)} ${o.erpStatus.padEnd(9)} ${(o.erpOrder?.number ?? '').padEnd(10)} ${o.error?.message ?? ''}`,
                  ),
                ],
          );
        });
      },
    );

  program
    .command('quotes')
    .description('List active and won CRM quotes with their ERP quote; process them in the ERP')
    .option('--all', 'include closed quotes')
    .option('--top <n>', 'how many (default 200)')
    .option('--process <crmIds...>', 'process these CRM quotes in the ERP')
    .option('--json', 'print as JSON')
    .action((opts: { all?: boolean; top?: string; process?: string[]; json?: boolean }) => {
      const process = opts.process && crmIdsOf('--process', opts.process);
      return withRuntime(cli, async ({ ctx }) => {
        if (process) {
          const report = unwrap(await processQuotesInErp(ctx, process));
          return printOutcomes(
            cli,
            opts.json,
            report,
            report.processed + report.refused === 0
              ? `Nothing to process: ${plural(report.unchanged, 'quote')} already as in the ERP`
              : `${report.processed} processed, ${report.unchanged} unchanged, ${report.refused} refused`,
          );
        }
        const rows = unwrap(
          await listCrmQuotes(ctx, {
            state: opts.all ? 'all' : 'open',
            top: parseTop(opts.top, 200),
          }),
        );
        printResult(cli, opts.json, rows, (list) =>
          list.length === 0
            ? ['No active or won CRM quotes.']
            : [
                `${'CRM QUOTE'.padEnd(22)} REV ${'NAME'.padEnd(28)} ${'STATE'.padEnd(7)} ${'ERP'.padEnd(9)} ${'ERP QUOTE'.padEnd(10)} ERROR`,
                ...list.map(
                  (q) =>
                    `${q.quoteNumber.padEnd(22)} ${String(q.revision).padStart(3)} ${q.name.slice(0, 28).padEnd(28)} ${q.state.padEnd(7)} ${q.erpStatus.padEnd(9)} ${(q.erpQuote?.number ?? '').padEnd(10)} ${q.error?.message ?? ''}`,
                ),
              ],
        );
      });
    });
}
