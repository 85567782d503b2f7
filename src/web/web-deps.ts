import type { AppContext } from '../app/context.ts';
import type { WebAuth } from './web-auth.ts';

/** What every page module is given. */
export interface WebDeps {
  readonly ctx: AppContext;
  readonly auth: WebAuth;
}
