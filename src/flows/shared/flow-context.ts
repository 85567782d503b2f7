import type { AppContext } from '../../app/context.ts';

/** What every flow function needs: the database, configuration, logger and clock. */
export type FlowContext = Pick<AppContext, 'db' | 'config' | 'logger' | 'clock'>;
