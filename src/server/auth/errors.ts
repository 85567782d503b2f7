import { registerErrorCodes } from '../../shared/error-codes.ts';

/** The failure codes of users and logins, with their HTTP statuses. */
export const AUTH_ERROR_CODES = {
  /** The change would leave no enabled admin. */
  last_admin: 409,
} as const;

type AuthCodes = typeof AUTH_ERROR_CODES;

declare module '../../shared/error-codes.ts' {
  interface ErrorCodeStatuses extends AuthCodes {}
}

registerErrorCodes(AUTH_ERROR_CODES);
