import { writeSync } from 'node:fs';
import { createLogger, type Logger } from '../shared/logger.ts';

/**
 * A one-shot command's logger (`kobling sync`, `kobling status` …). Its output is what it prints:
 * below `error` it says nothing unless `KOBLING_LOG_LEVEL` asks for more, since what matters of a
 * warning (a pass that failed, counts not refreshed) is the command's own message. What it does
 * log is a readable line on stderr, `warning: Counting accounts in the CRM failed: … (mapping
 * CUSTOMER)`, never the JSON a server logs for a collector (`kobling start` / `worker` keep that).
 */
export function terminalLogger(
  level: string | undefined,
  write: (line: string) => void = (line) => writeSync(2, line),
): Logger {
  return createLogger(level ?? 'error', {
    write(chunk: string) {
      write(`${oneLine(chunk)}\n`);
      return true;
    },
  } as unknown as NodeJS.WritableStream);
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warning',
  50: 'error',
  60: 'fatal',
};
const LEFT_OUT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

/** One pino JSON line as `level: message (key value, …)`; the error's message, not its stack. */
export function oneLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const err = entry.err as { message?: unknown } | undefined;
  const fields = Object.entries(entry)
    .filter(([k, v]) => !LEFT_OUT.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const message = [entry.msg, err?.message].filter((m) => typeof m === 'string' && m).join(': ');
  return `${level}: ${message || '(no message)'}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`;
}
