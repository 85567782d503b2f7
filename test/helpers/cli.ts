import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A `kobling` process started the way users start it, with its output collected. */
export interface KoblingProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches, rejects after `timeoutMs` or when the process exits. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  exited(): Promise<number | null>;
}

/**
 * Runs `tsx src/cli/main.ts <args>` with only the given environment (plus PATH and HOME), in the
 * repository's folder unless `cwd` names another (where a user runs `npx kobling`).
 */
export function spawnKobling(
  args: string[],
  env: Record<string, string>,
  options: { detached?: boolean; tsxCli?: boolean; cwd?: string } = {},
): KoblingProcess {
  // `tsxCli`: through tsx's own command, a parent process that relays signals, as `npm start` runs it.
  const runner = options.tsxCli
    ? [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs')]
    : // Resolved here: from another `cwd` a bare `tsx` would be looked for there.
      ['--import', import.meta.resolve('tsx')];
  const child = spawn(process.execPath, [...runner, path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      KOBLING_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Detached: its own process group, so a test can signal the group like a terminal's Ctrl+C.
    detached: options.detached ?? false,
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out waiting for ${pattern}; output so far:\n${out}`));
        }, timeoutMs);
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`Process exited (${code}) before ${pattern}; output:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
    exited: () => exit,
  };
}

/** Whether output holds a carriage return or an ANSI escape: what a redraw leaves in a log. */
export const hasControl = (text: string): boolean => text.includes('\r') || text.includes('\u001b');

/** Runs a `kobling` command to completion: its output (stdout and stderr as written), and stdout. */
export async function runKobling(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
) {
  const p = spawnKobling(args, env, options);
  let stdout = '';
  p.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await p.exited();
  return { code, output: p.output(), stdout };
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * Ends the embedded PostgreSQL of a data folder if it still runs: it has a process group of its
 * own, so a test's SIGKILL of a `kobling start` group after a failure does not reach it.
 */
export function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(
      readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // No postmaster.pid, or the process is gone: nothing runs.
  }
}

/** Whether the data folder's embedded PostgreSQL still runs (its postmaster.pid names a live process). */
export function postmasterRuns(dataDir: string): boolean {
  try {
    const pid = Number(
      readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `kobling start` on free ports with its data in `dataDir` (plus `env`), in a process group of its
 * own so that a test can signal it as a terminal's Ctrl+C does, run by tsx's command as `npm start`
 * runs it (tsx relays the signal to it). Answers the process and the
 * embedded PostgreSQL's port, which other commands need to reach it.
 */
export async function startInOwnGroup(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ start: KoblingProcess; pgPort: number }> {
  const [port, pgPort, crmPort] = [await freePort(), await freePort(), await freePort()];
  const start = spawnKobling(
    ['start'],
    {
      PORT: String(port),
      KOBLING_PG_PORT: String(pgPort),
      KOBLING_CRM_PORT: String(crmPort),
      KOBLING_DATA_DIR: dataDir,
      ...env,
    },
    { detached: true, tsxCli: true },
  );
  return { start, pgPort };
}

/** The log lines at level error or fatal in `output`, each cut to `width` characters. */
export const errorLines = (output: string, width: number): string[] =>
  output
    .split('\n')
    .filter((l) => /"level":(5\d|60)/.test(l))
    .map((l) => l.slice(0, width));

/** Ends what a test's `kobling start` left running: its process group, then its PostgreSQL. */
export function killStarted(start: KoblingProcess, dataDir: string): void {
  if (start.child.exitCode === null && start.child.pid) process.kill(-start.child.pid, 'SIGKILL');
  killPostmaster(dataDir);
}
