import { probeOrganization } from '../dataverse/index.ts';
import { editDistance } from '../shared/edit-distance.ts';
import { agree } from '../shared/plural.ts';
import { failure, type Result } from '../shared/result.ts';
import { readConnection } from '../sync/connection/connection-repo.ts';
import { crmPort } from './adapters/crm-port.ts';
import { clientSettings, dataverseClientFor, type SyncDeps } from './sync-runtime.ts';

/** How long the organization's address may take to answer before the check is given up. */
const PROBE_MS = 5_000;

/**
 * A CRM table's columns as the connected organization lists them (its custom columns included),
 * read afresh each time so a column added there a moment ago counts; or, as the failure, why they
 * could not be read, in words that follow "CRM columns not checked: ".
 */
export async function connectedCrmColumns(
  deps: SyncDeps,
  entity: string,
): Promise<Result<readonly string[]>> {
  const connection = await readConnection(deps.db);
  if (!connection.enabled)
    return failure('connection_disabled', 'the Dynamics 365 Sales connection is not enabled');
  const settings = await clientSettings(deps);
  if (!settings.ok) return settings;
  const url = settings.value.crmUrl;
  // The address is asked first, once: an organization that is down is said in seconds, where the
  // client's retries would keep an administrator's save waiting for a quarter of a minute.
  const probe = await probeOrganization(url, PROBE_MS);
  if (!probe.ok)
    return failure(
      probe.error.code,
      `Dynamics 365 Sales at ${url} is not reachable: ${probe.error.message}`,
    );
  const read = await crmPort(dataverseClientFor(settings.value, deps.logger)).columns(entity);
  if (!read.ok)
    return failure(
      read.error.code,
      `reading the columns of ${entity} from Dynamics 365 Sales failed: ${read.error.message}`,
    );
  return read;
}

const LOOKUP_VALUE = /^_(.+)_value$/;

/**
 * "account has no column 'adress1_city' (did you mean 'address1_city'?)": the unknown columns with
 * the name likely meant — a lookup's column for its `_x_value` read name, or a column one or two
 * letters away.
 */
export function unknownColumnsMessage(
  entity: string,
  unknown: readonly string[],
  columns: readonly string[],
): string {
  const one = (name: string) => {
    const lookup = LOOKUP_VALUE.exec(name)?.[1];
    if (lookup && columns.includes(lookup))
      return `'${name}' (a lookup is named by its column: '${lookup}')`;
    const near = nearest(name, columns);
    return near ? `'${name}' (did you mean '${near}'?)` : `'${name}'`;
  };
  return `${entity} has no ${agree(unknown.length, 'column', 'columns')} ${unknown.map(one).join(', ')}`;
}

/** The one column at the smallest edit distance from `name`, if that is at most 2. */
function nearest(name: string, columns: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const c of columns) {
    if (Math.abs(c.length - name.length) > bestDistance) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance, tie] = [c, d, false];
    else if (d === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}
