import { type Logger, pino, destination as pinoDestination } from 'pino';

export type { Logger };

/** Paths that may hold secrets: pino replaces them with "[redacted]" in every log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
];

/**
 * The JSON logger every part receives through its context. Logs go to stderr unless told
 * otherwise: stdout carries only what a command is for (the banner, a token, a table).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
  };
  return pino(options, destination ?? pinoDestination({ dest: 2, sync: true }));
}

/** Fields of an error worth logging: PostgreSQL's (from `pg`) and Node's system-error fields. */
const ERROR_FIELDS = [
  'code',
  'detail',
  'hint',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'routine',
  'errno',
  'syscall',
  'address',
  'port',
  'status',
] as const;

/**
 * Logs an error as its type, message, stack and known fields only. pino's default serializer copies
 * every enumerable property, and `pg` errors may carry the connection's client, whose
 * `processID` and `secretKey` (PostgreSQL's cancel key) must never reach a log.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  const fields = err as unknown as Record<string, unknown>;
  for (const k of ERROR_FIELDS) {
    const v = fields[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1);
  if (err instanceof AggregateError && depth < 3)
    out.errors = err.errors.map((e) => serializeError(e, depth + 1));
  return out;
}
