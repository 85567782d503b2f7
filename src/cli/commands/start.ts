import type { Command } from 'commander';
import type { AppContext } from '../../app/context.ts';
import type { StartedService } from '../../app/system-part.ts';
import { ensureQueue, startWorkers, stopJobQueue } from '../../db/job-queue.ts';
import { HEARTBEAT_QUEUE, heartbeatJob } from '../../db/system-jobs.ts';
import { recordJob } from '../../integration/metrics/job-metrics.ts';
import { buildServer } from '../../server/app.ts';
import { ensureAdminUser } from '../../server/auth/users.ts';
import { plural } from '../../shared/plural.ts';
import { causedByShutdown } from '../../shared/stopping.ts';
import { startBackgroundWork } from '../background.ts';
import { type CliEnv, configFrom } from '../cli-context.ts';
import { openJobQueue, partJobs } from '../job-queue.ts';
import { systemParts } from '../parts.ts';
import { openRuntime } from '../runtime.ts';
import { onShutdown } from '../shutdown.ts';

interface StartOptions {
  port?: string;
  crmPort?: string;
  dataDir?: string;
  crmEmulator?: boolean;
  demo?: boolean;
  workers?: boolean;
}

/** `kobling start`: database, migrations, job workers, CRM emulator, HTTP server, demo data. */
export function registerStart(program: Command, cli: CliEnv): void {
  program
    .command('start')
    .description(
      'Start everything: database (embedded unless DATABASE_URL), migrations, workers, CRM emulator, server',
    )
    .option('--port <port>', 'HTTP port of the server (env PORT, default 8080)')
    .option('--crm-port <port>', 'port of the CRM emulator (env KOBLING_CRM_PORT, default 8081)')
    .option('--data-dir <dir>', 'where the embedded database keeps its data (env KOBLING_DATA_DIR)')
    .option('--no-crm-emulator', 'do not start the CRM emulator')
    .option('--no-demo', 'do not load demo data into a new database')
    .option('--no-workers', 'do not run job workers in this process (run `kobling worker` instead)')
    .action(async (opts: StartOptions) => {
      const config = configFrom(cli, {
        PORT: opts.port,
        KOBLING_CRM_PORT: opts.crmPort,
        KOBLING_DATA_DIR: opts.dataDir,
        KOBLING_CRM_EMULATOR: opts.crmEmulator === false ? 'false' : undefined,
        KOBLING_DEMO_DATA: opts.demo === false ? 'false' : undefined,
      });
      cli.out(
        config.database.url
          ? 'Kobling is starting…'
          : `Kobling is starting (data folder ${config.dataDir})…`,
      );
      const runtime = await openRuntime(config, { createData: true });
      const stops: (() => Promise<void>)[] = [() => runtime.close()];
      const shutdown = onShutdown(async () => {
        for (const stop of stops.reverse())
          await stop().catch((err) =>
            causedByShutdown(err)
              ? runtime.ctx.logger.warn({ err }, 'stop failed: stopped by shutdown')
              : runtime.ctx.logger.error({ err }, 'stop failed'),
          );
      }, runtime.ctx.logger);
      try {
        const { ctx } = runtime;
        const lines: string[] = [
          `Database      ${runtime.databaseLabel}${runtime.embedded ? ' (embedded)' : ''}`,
        ];
        const admin = await ensureAdminUser(ctx.db, config.adminPassword);
        if (admin.generatedPassword) {
          lines.push(
            `Admin login   admin / ${admin.generatedPassword}   (generated now and shown only this once)`,
          );
        }
        // Every queue exists before anything is sent, workers here or not (`--no-workers`): what
        // the server queues waits for the first worker instead of being refused.
        const boss = await openJobQueue(ctx);
        // Only when the start fails before the services are up; otherwise stopJobQueue ran.
        stops.push(() => boss.stop({ graceful: false, wait: true }));
        const full: AppContext = { ...ctx, boss };
        // Workers start after the services and the demo data: the first start's demo coupling
        // then runs alone, with no scheduled or real-time run racing it.
        const workersAt = lines.length;
        const startWorkerLines: string[] = [];
        const startTheWorkers = async () => {
          if (opts.workers !== false) {
            const jobs = [heartbeatJob(ctx.db, `start:${process.pid}`), ...partJobs(full)];
            await startWorkers(boss, jobs, {
              concurrency: config.workerConcurrency,
              logger: ctx.logger,
              onJobDone: recordJob,
            });
            // Seen at once, not at the next minute's heartbeat: `kobling sync full` then tells
            // lines waiting for a free worker from lines waiting for one to be started.
            await boss.send(HEARTBEAT_QUEUE, { sentAt: 'start' });
            stops.push(await startBackgroundWork(full));
            startWorkerLines.push(
              `Workers       ${plural(jobs.length, 'queue')}, concurrency ${config.workerConcurrency}${config.realtime.enabled ? ', real-time on' : ''}`,
            );
          }
        };
        await ensureQueue(boss, HEARTBEAT_QUEUE);
        await boss.schedule(HEARTBEAT_QUEUE, '* * * * *', { sentAt: 'schedule' });
        const started = new Map<string, StartedService>();
        for (const part of systemParts) {
          if (!part.startService) continue;
          if (part.name === 'crm-emulator' && !config.crmEmulator.enabled) continue;
          const service: StartedService = await part.startService(full, started);
          started.set(part.name, service);
          stops.push(() => service.stop());
          lines.push(...service.lines);
        }
        // Stopped after the server and the background work and before the services (the CRM
        // emulator) and the pool: running jobs and runs end while what they use is still there.
        stops.push(() => stopJobQueue(boss, ctx.logger));
        if (config.demoData) {
          for (const part of systemParts) {
            if (part.name === 'crm-emulator' && !started.has(part.name)) continue;
            const summary = await part.seedDemo?.(full);
            if (summary) lines.push(`Demo data     ${summary}`);
          }
        }
        await startTheWorkers();
        lines.splice(workersAt, 0, ...startWorkerLines);
        const app = await buildServer(full);
        stops.push(() => app.close());
        await app.listen({ host: config.server.host, port: config.server.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.server.port;
        const base = `http://${config.server.host}:${port}`;
        lines.push(
          `Server        ${base}/   (health ${base}/health, ready ${base}/ready, API docs ${base}/docs)`,
          `Web UI        ${base}/   log in as admin${admin.generatedPassword ? ' with the password above' : config.adminPassword ? ' (password from KOBLING_ADMIN_PASSWORD)' : ' (password shown at the first start)'}`,
        );
        cli.out('Kobling is running.');
        for (const line of lines) cli.out(`  ${line}`);
        cli.out('Press Ctrl+C to stop.');
      } catch (err) {
        await shutdown();
        throw err;
      }
    });
}
