import type { z } from 'zod';
import { type Config, loadConfig } from '../shared/config.ts';
import { AppError } from '../shared/errors.ts';

/** What the entry point hands every command: the environment, once, and output streams. */
export interface CliEnv {
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Loads the configuration with flag overrides, or fails with every problem listed. */
export function configFrom(
  cli: CliEnv,
  overrides: Record<string, string | undefined> = {},
): Config {
  const result = loadConfig(cli.env, overrides, cli.cwd);
  if (!result.ok) {
    throw new AppError(
      'invalid_config',
      `Invalid configuration:\n  ${result.problems.join('\n  ')}`,
    );
  }
  return result.config;
}

/** Prints a value as JSON (for `--json`) or with the given text renderer. */
export function printResult<T>(
  cli: CliEnv,
  json: boolean | undefined,
  value: T,
  render: (v: T) => string[],
): void {
  if (json) cli.out(JSON.stringify(value, null, 2));
  else for (const line of render(value)) cli.out(line);
}

/** A `--top` option: a whole number from 1 to 1000, the fallback when absent. */
export function parseTop(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new AppError('validation_failed', '--top must be a whole number from 1 to 1000');
  return n;
}

/**
 * Values given on the command line (ids, numbers), checked by the API's own request schema
 * (src/flows/request-schemas.ts) under `key`: what the API refuses is refused here with
 * validation_failed (exit 2), naming the value, before anything is read or sent.
 */
export function checkedValues(
  label: string,
  schema: z.ZodType<Record<string, string[]>>,
  key: string,
  values: readonly string[],
): string[] {
  const parsed = schema.safeParse({ [key]: values });
  if (parsed.success) return parsed.data[key] ?? [];
  throw new AppError(
    'validation_failed',
    parsed.error.issues
      .map((i) => {
        const at = i.path[1];
        return typeof at === 'number'
          ? `${label} ${JSON.stringify(values[at])}: ${i.message}`
          : `${label}: ${i.message}`;
      })
      .join('; '),
  );
}
