import { z } from 'zod';
import type { Queryable } from '../../db/db.ts';
import { editDistance } from '../../shared/edit-distance.ts';
import type { AppFailure } from '../../shared/result.ts';
import { listMappings } from './mapping-repo.ts';

/**
 * A table mapping's name as it is stored. Names are Business Central Code values (CUSTOMER,
 * ITEM-PRODUCT, and the flows' job names such as CUSTOMER STATISTICS): upper case without
 * leading or trailing spaces, as BC turns whatever is typed into a Code field. So `customer`
 * names CUSTOMER wherever a user names a mapping; every way in (the API's paths, queries and
 * bodies, the CLI's arguments and options, the web pages, and the scheduled jobs, which carry
 * the mappings' and the flows' job names) goes through this one function.
 */
export const mappingNameOf = (given: string): string => given.trim().toUpperCase();

/** A mapping name a user gives, checked and in its stored form (`mappingNameOf`). */
export const mappingName = z
  .string()
  .overwrite(mappingNameOf)
  .min(1, { error: 'needs a mapping name, e.g. CUSTOMER' })
  .max(30, { error: 'must be a mapping name of at most 30 characters' });

/**
 * The not_found of a mapping name nothing has, with what the user likely meant: the closest
 * known name when one is within a typo or two (`CUSTOMR`: did you mean CUSTOMER?), else every
 * known name, so the answer never sends them looking elsewhere.
 */
export function mappingNotFound(name: string, known: readonly string[]): AppFailure<'not_found'> {
  return nameNotFound('table mapping', name, known);
}

/**
 * `mappingNotFound` for another kind of named thing (`scheduled job`): "No scheduled job named
 * 'CUSTMER'; did you mean CUSTOMER?", or the names there are.
 */
export function nameNotFound(
  kind: string,
  name: string,
  known: readonly string[],
  /** What `known` are when they are not every ${kind} (`full synchronization lines`). */
  knownAs = `${kind}s`,
): AppFailure<'not_found'> {
  const head = `No ${kind} named '${name}'`;
  if (known.length === 0)
    return {
      code: 'not_found',
      message: `${head}; there are ${knownAs === `${kind}s` ? 'none' : `no ${knownAs}`} yet`,
    };
  const close = closest(mappingNameOf(name), known);
  return {
    code: 'not_found',
    message:
      close.length > 0
        ? `${head}; did you mean ${close.join(' or ')}?`
        : `${head}; the ${knownAs} are ${known.join(', ')}`,
  };
}

/** `mappingNotFound` with the table mappings there are, in setup order (read only on failure). */
export async function noSuchMapping(db: Queryable, name: string): Promise<AppFailure<'not_found'>> {
  return mappingNotFound(
    name,
    (await listMappings(db)).map((m) => m.name),
  );
}

/** The known names nearest to `name` by edit distance, when near enough to be a typo. */
function closest(name: string, known: readonly string[]): string[] {
  // At most two edits, and fewer than a third of the name: NOPE is not a typo of any mapping.
  const limit = Math.min(2, Math.floor(name.length / 3));
  let best = limit + 1;
  let found: string[] = [];
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < best) [best, found] = [d, [k]];
    else if (d === best) found.push(k);
  }
  return found;
}
