import { userInfo } from 'node:os';

/**
 * Who runs a CLI command, for what it records (`Stopped by cli:alice`): `USER` when the shell set
 * it, else the operating system's user (containers and cron often set no `USER`).
 */
export function cliUser(env: Readonly<Record<string, string | undefined>>): string {
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
