import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator-child.ts');

export interface EmulatorStats {
  readonly requests: number;
  readonly batchOperations: number;
  readonly peakRss: number;
  readonly cpuSeconds: number;
}

/**
 * Starts the CRM emulator in its own process over the given database (see emulator-child.ts),
 * with the given application users, and answers its URLs and a handle to set its latency, read
 * its counters and stop it.
 */
export async function startEmulatorProcess(
  dbUrl: string,
  clients: { clientId: string; clientSecret: string; name: string }[],
) {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KOBLING_BENCH_EMULATOR: JSON.stringify({ dbUrl, clients }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <T>(kind: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { kind: string }) => {
        if (m.kind !== kind) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`the CRM emulator process exited (${code}) before answering ${kind}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const urls = await reply<{ baseUrl: string; apiUrl: string; tokenUrl: string }>('ready');
  return {
    ...urls,
    pid: child.pid!,
    async setLatency(latencyMs: number) {
      child.send({ kind: 'faults', latencyMs });
      await reply('faults');
    },
    async stats(): Promise<EmulatorStats> {
      child.send({ kind: 'stats' });
      return reply<EmulatorStats>('stats');
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ kind: 'stop' });
      await exited;
    },
  };
}

/** utime, stime, cutime and cstime of a process, in seconds (clock ticks of 1/100 s). */
function cpuOf(pid: number, withChildren: boolean): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command: state is field 3; utime, stime, cutime, cstime are fields 14 to 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0)) / 100;
}

/** The PostgreSQL server process of a backend (`pg_backend_pid()`): the backend's parent. */
export const postmasterOf = (backendPid: number): number =>
  Number(readFileSync(`/proc/${backendPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

/**
 * CPU seconds used so far by one PostgreSQL server (see `postmasterOf`): the postmaster, the
 * backends that ended (counted in its children's time) and those still running. Other PostgreSQL
 * servers on the machine are not counted.
 */
export function postgresCpuSeconds(postmaster: number): number {
  let seconds = cpuOf(postmaster, true);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster)
        seconds += cpuOf(Number(pid), false);
    } catch (err) {
      // A process that ended between listing and reading is counted in the postmaster's children.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return seconds;
}
