/**
 * The CRM emulator in a process of its own for the benchmarks (bench/lib/emulator-process.ts
 * starts it): a real CRM is another system, so the engine's process should not also serve it.
 * Talks to its parent over IPC: `faults` sets latency, `stats` answers the emulator's counters
 * and this process's peak RSS and CPU time.
 */
import { readFileSync } from 'node:fs';
import { startCrmEmulator } from '../../src/crm-emulator/server.ts';
import { openDb } from '../../src/db/db.ts';
import { createLogger } from '../../src/shared/logger.ts';

const { dbUrl, clients } = JSON.parse(process.env.KOBLING_BENCH_EMULATOR ?? '{}') as {
  dbUrl: string;
  clients: { clientId: string; clientSecret: string; name: string }[];
};
const db = openDb(dbUrl, { max: 10 });
const emulator = await startCrmEmulator({
  db,
  port: 0,
  logger: createLogger('silent'),
  clients,
  baseCurrency: { code: 'EUR', name: 'Euro', symbol: '€' },
});

/** VmHWM: the most this process has held in RAM since it started. */
const peakRss = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

type Message = { kind: 'faults'; latencyMs: number } | { kind: 'stats' } | { kind: 'stop' };
process.on('message', async (m: Message) => {
  if (m.kind === 'faults') {
    emulator.setFaults(m.latencyMs ? { rate: 0, latencyMs: m.latencyMs } : undefined);
    process.send?.({ kind: 'faults' });
  } else if (m.kind === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({
      kind: 'stats',
      ...emulator.stats(),
      peakRss: peakRss(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  } else {
    await emulator.stop();
    await db.close();
    process.exit(0);
  }
});
process.send?.({
  kind: 'ready',
  baseUrl: emulator.baseUrl,
  apiUrl: emulator.apiUrl,
  tokenUrl: emulator.tokenUrl,
});
