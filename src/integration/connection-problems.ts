import type { DataverseError } from '../dataverse/index.ts';

/** A problem of the connection test in one short sentence; the server's full text kept aside. */
export interface ConnectionProblem {
  readonly problem: string;
  readonly detail?: string;
}

/** What the common Entra ID (AADSTS) refusals mean for whoever set the connection up. */
const SIGN_IN_REFUSALS: Record<string, (crmUrl: string) => string> = {
  AADSTS500011: (url) =>
    `Sign-in refused: the authority does not know ${url} as an organization of this tenant (check the URL, the tenant and the authority)`,
  AADSTS7000215: () => 'Sign-in refused: the client secret is wrong',
  AADSTS7000222: () => 'Sign-in refused: the client secret has expired',
  AADSTS700016: () => 'Sign-in refused: the client id is not registered in this tenant',
  AADSTS90002: () => 'Sign-in refused: the tenant does not exist',
  AADSTS1002012: (url) => `Sign-in refused: ${url}/.default is not a valid scope`,
};

const SHORT = 160;
const shorten = (text: string): string =>
  text.length > SHORT ? `${text.slice(0, SHORT - 1).trimEnd()}…` : text;

/**
 * A failed step of the connection test as users read it: a short sentence naming what to check,
 * and the server's own (often long) message as `detail` when the sentence leaves something out.
 */
export function connectionProblem(crmUrl: string, e: DataverseError): ConnectionProblem {
  const code = /AADSTS\d+/.exec(e.message)?.[0];
  const known = code ? SIGN_IN_REFUSALS[code] : undefined;
  if (known) return { problem: `${known(crmUrl)} (${code})`, detail: e.message };
  const text =
    e.code === 'authentication_failed' ? `Authentication failed: ${e.message}` : e.message;
  const problem = shorten(text);
  return problem === text ? { problem } : { problem, detail: e.message };
}
