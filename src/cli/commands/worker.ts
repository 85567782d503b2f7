import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import { startJobQueue, startWorkers, stopJobQueue } from '../../db/job-queue.ts';
import { HEARTBEAT_QUEUE, heartbeatJob } from '../../db/system-jobs.ts';
import { recordJob } from '../../integration/metrics/job-metrics.ts';
import { startMetricsListener } from '../../server/metrics-listener.ts';
import { plural } from '../../shared/plural.ts';
import { startBackgroundWork } from '../background.ts';
import { type CliEnv, configFrom } from '../cli-context.ts';
import { partJobs } from '../job-queue.ts';
import { openRuntime } from '../runtime.ts';
import { onShutdown } from '../shutdown.ts';

/** `kobling worker`: a process that only runs background jobs; start as many as you like. */
export function registerWorker(program: Command, cli: CliEnv): void {
  program
    .command('worker')
    .description(
      'Run background jobs only (scale out: any number of workers can share one database)',
    )
    .option('--concurrency <n>', 'jobs run at once per queue (env KOBLING_WORKER_CONCURRENCY)')
    .option(
      '--metrics-port <port>',
      'serve GET /metrics on this port, 0 for any free one (env KOBLING_WORKER_METRICS_PORT; default none)',
    )
    .action(async (opts: { concurrency?: string; metricsPort?: string }) => {
      const config = configFrom(cli, {
        KOBLING_WORKER_CONCURRENCY: opts.concurrency,
        KOBLING_WORKER_METRICS_PORT: opts.metricsPort,
      });
      const runtime = await openRuntime(config, {
        applicationName: 'kobling-worker',
        createData: true,
      });
      const stops: (() => Promise<void>)[] = [() => runtime.close()];
      const shutdown = onShutdown(async () => {
        for (const stop of stops.reverse()) await stop();
      }, runtime.ctx.logger);
      try {
        const boss = await startJobQueue(runtime.ctx.db, runtime.ctx.logger);
        stops.push(() => stopJobQueue(boss, runtime.ctx.logger));
        const ctx: AppContext = { ...runtime.ctx, boss };
        const name = `worker:${hostname()}:${process.pid}`;
        const jobs = [heartbeatJob(ctx.db, name), ...partJobs(ctx)];
        await startWorkers(boss, jobs, {
          concurrency: config.workerConcurrency,
          logger: ctx.logger,
          onJobDone: recordJob,
        });
        // Seen at once (see `kobling start`), not at the server's next minute heartbeat.
        await boss.send(HEARTBEAT_QUEUE, { sentAt: 'start' });
        stops.push(await startBackgroundWork(ctx));
        // Stopped first: a scrape during the stop would read a closing pool.
        const metrics =
          config.workerMetricsPort === undefined
            ? undefined
            : await startMetricsListener(ctx, {
                host: config.server.host,
                port: config.workerMetricsPort,
              });
        if (metrics) stops.push(() => metrics.close());
        cli.out(
          `Kobling worker ${name} is running ${plural(jobs.length, 'queue')} on ${runtime.databaseLabel}${metrics ? `, metrics at ${metrics.url}` : ''}. Ctrl+C stops it.`,
        );
      } catch (err) {
        await shutdown();
        throw err;
      }
    });
}
