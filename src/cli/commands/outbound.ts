import type { Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import {
  type StatisticsResult,
  updateAccountStatisticsAndPayments,
} from '../../flows/account-statistics/update-account-statistics.ts';
import { openOutbound } from '../../flows/outbound-context.ts';
import { runOutboundJob } from '../../flows/outbound-jobs.ts';
import { createInvoicesInCrmByNumber } from '../../flows/posted-invoices/create-crm-invoices.ts';
import { listPostedInvoices } from '../../flows/posted-invoices/list-posted-invoices.ts';
import { customerNumbersBody, invoiceNumbersBody } from '../../flows/request-schemas.ts';
import { listRecurringJobs } from '../../integration/recurring-jobs.ts';
import { listScheduledJobs, noSuchScheduledJob } from '../../integration/scheduled-jobs.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { mappingNameOf } from '../../sync/mappings/mapping-name.ts';
import { type CliEnv, checkedValues, parseTop, printResult } from '../cli-context.ts';
import { withRuntime } from '../runtime.ts';

/**
 * The exit error of `kobling statistics` when customers were not updated: its code and message say
 * what the outcomes above say (not found, not coupled, …), not one reason for all of them.
 */
function statisticsError(results: readonly StatisticsResult[]): AppError {
  const notFound = results.filter((x) => x.outcome === 'notFound').length;
  const failed = results.filter((x) => x.outcome === 'failed');
  const codes = [...new Set(failed.map((x) => x.code ?? 'sync_failed'))];
  const parts = [
    ...(notFound > 0 ? [`${plural(notFound, 'customer')} not found`] : []),
    ...(failed.length > 0
      ? [`${plural(failed.length, 'customer')} not updated (${codes.join(', ')})`]
      : []),
  ];
  const code =
    failed.length === 0
      ? 'not_found'
      : notFound === 0 && codes.length === 1
        ? codes[0]!
        : 'sync_failed';
  return new AppError(code, `${parts.join(', ')}; see above`);
}

/**
 * `--run` runs the flows' recurring jobs (src/flows/outbound-jobs.ts). A mapping's own job is the
 * engine's run of the mapping, which `kobling sync MAPPING` does in this process with progress:
 * the refusal says so, and which jobs `--run` takes.
 */
async function mustRunHere(ctx: AppContext, name: string): Promise<void> {
  const runnable = (await listRecurringJobs(ctx.db)).map((j) => j.name);
  if (runnable.includes(name)) return;
  const jobs = await listScheduledJobs(ctx.db, ctx.clock.now());
  if (!jobs.some((j) => j.mapping === name))
    throw AppError.from(await noSuchScheduledJob(ctx.db, name, ctx.clock.now()));
  throw new AppError(
    'validation_failed',
    `${name} is a table mapping's synchronization job: run it now with kobling sync ${name.includes(' ') ? `"${name}"` : name}; kobling schedule --run runs ${runnable.join(' or ')}`,
  );
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

/**
 * `kobling invoices` (posted invoices, *Create invoice in Dynamics 365 Sales*), `kobling statistics`
 * (*Update account statistics*) and `kobling schedule` (the recurring jobs, run one now).
 */
export function registerOutboundCommands(program: Command, cli: CliEnv): void {
  program
    .command('invoices')
    .description(
      'List posted sales invoices with their payment status and CRM invoice; create them in Dynamics 365 Sales',
    )
    .option('--customer <number>', 'only this customer’s invoices')
    .option('--top <n>', 'how many (default 50)', '50')
    .option('--create-in-crm <numbers...>', 'create these posted invoices in Dynamics 365 Sales')
    .option('--json', 'print as JSON')
    .action((opts: { customer?: string; top: string; createInCrm?: string[]; json?: boolean }) => {
      // Checked as the API checks them, before anything starts.
      const numbers =
        opts.createInCrm &&
        checkedValues('--create-in-crm', invoiceNumbersBody, 'numbers', opts.createInCrm);
      if (opts.customer)
        checkedValues('--customer', customerNumbersBody, 'numbers', [opts.customer]);
      return withRuntime(cli, async ({ ctx }) => {
        if (numbers) {
          const report = unwrap(
            await createInvoicesInCrmByNumber(unwrap(await openOutbound(ctx)), numbers),
          );
          printResult(cli, opts.json, report, (r) => [
            ...r.results.map((x) => `${x.number.padEnd(12)} ${x.outcome.padEnd(15)} ${x.message}`),
            r.created + r.failed === 0
              ? `Nothing to create: ${plural(r.alreadyCoupled, 'invoice')} already in Dynamics 365 Sales`
              : `${r.created} created, ${r.alreadyCoupled} already in Dynamics 365 Sales, ${r.failed} failed${r.jobId ? '' : '; no job was run: nothing to create'}`,
          ]);
          const failed = report.results.filter(
            (x) => x.outcome === 'failed' || x.outcome === 'notFound',
          );
          if (failed.length > 0)
            throw new AppError(
              'invoice_not_created',
              `${plural(failed.length, 'invoice')} not created; see above`,
            );
          return;
        }
        const top = parseTop(opts.top, 50);
        const rows = unwrap(
          await listPostedInvoices(ctx, {
            top,
            skip: 0,
            ...(opts.customer ? { customerNumber: opts.customer } : {}),
          }),
        );
        printResult(cli, opts.json, rows, (list) =>
          list.length === 0
            ? ['No posted sales invoices.']
            : [
                `${'INVOICE'.padEnd(12)} ${'CUSTOMER'.padEnd(10)} ${'CUR'.padEnd(4)} ${'TOTAL'.padStart(12)} ${'REMAINING'.padStart(12)} ${'PAYMENT'.padEnd(8)} CRM INVOICE`,
                ...list.map(
                  (x) =>
                    `${x.number.padEnd(12)} ${x.customerNumber.padEnd(10)} ${(x.currencyCode ?? '').padEnd(4)} ${x.totalAmountIncludingTax.toFixed(2).padStart(12)} ${x.remainingAmount.toFixed(2).padStart(12)} ${(x.paymentStatus ?? '-').padEnd(8)} ${x.crmInvoiceId ?? (x.coupling === 'pending' ? '(being created)' : '-')}`,
                ),
              ],
        );
      });
    });

  program
    .command('statistics')
    .description(
      "Update account statistics: write customers' statistics to their accounts in Dynamics 365 Sales (and their invoices' payment status)",
    )
    .argument('<customerNumbers...>', 'customer numbers')
    .option('--json', 'print as JSON')
    .action((given: string[], opts: { json?: boolean }) => {
      const numbers = checkedValues('customer number', customerNumbersBody, 'numbers', given);
      return withRuntime(cli, async ({ ctx }) => {
        const report = unwrap(
          await updateAccountStatisticsAndPayments(unwrap(await openOutbound(ctx)), numbers),
        );
        printResult(cli, opts.json, report, (r) => [
          ...r.results.map(
            (x) => `${x.customerNumber.padEnd(10)} ${x.outcome.padEnd(9)} ${x.message}`,
          ),
          r.failed === 0 && r.crmWrites === 0
            ? `Nothing to update: the statistics of ${plural(r.unchanged, 'customer')} and their invoices' payment status are up to date in Dynamics 365 Sales`
            : `${r.inserted} created, ${r.modified} updated, ${r.unchanged} unchanged, ${r.failed} failed; ${plural(r.invoicesModified, 'invoice status', 'invoice statuses')} changed; ${plural(r.crmWrites, 'write')} to Dynamics 365 Sales`,
        ]);
        if (report.failed > 0) throw statisticsError(report.results);
      });
    });

  program
    .command('schedule')
    .description(
      'The recurring jobs (mapping jobs, CUSTOMER STATISTICS, POSTEDSALESINV-INV): on/off, interval, last and next run, last error',
    )
    .option(
      '--run <name>',
      "run this job now in this process (CUSTOMER STATISTICS or POSTEDSALESINV-INV, in any case); a mapping's job runs with kobling sync MAPPING",
      mappingNameOf,
    )
    .option('--json', 'print as JSON')
    .action((opts: { run?: string; json?: boolean }) =>
      withRuntime(cli, async ({ ctx }) => {
        if (opts.run) {
          await mustRunHere(ctx, opts.run);
          const outcome = unwrap(await runOutboundJob(ctx, opts.run, 'manual'));
          printResult(cli, opts.json, outcome, (o) => [o.message]);
          return;
        }
        const jobs = await listScheduledJobs(ctx.db, ctx.clock.now());
        printResult(cli, opts.json, jobs, (list) => [
          `${'JOB'.padEnd(22)} ${'ON'.padEnd(3)} ${'EVERY'.padStart(5)} ${'SLEEP'.padStart(5)} ${'LAST RUN'.padEnd(16)} ${'NEXT RUN'.padEnd(16)} ${'STATUS'.padEnd(13)} LAST ERROR`,
          ...list.map(
            (j) =>
              `${j.mapping.padEnd(22)} ${(j.enabled ? 'yes' : 'no').padEnd(3)} ${String(j.intervalMinutes).padStart(5)} ${String(j.inactivityTimeoutMinutes).padStart(5)} ${when(j.lastRunAt).padEnd(16)} ${when(j.nextRunAt).padEnd(16)} ${(j.lastStatus ?? '-').padEnd(13)} ${j.lastError ?? ''}`,
          ),
        ]);
      }),
    );
}
