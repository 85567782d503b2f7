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
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return pino(options, destination ?? pinoDestination({ dest: 2, sync: true }));
}
