import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/db.ts';
import {
  listRealtimeMappings,
  switchRealtime,
} from '../../integration/realtime/realtime-settings.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { mappingName, noSuchMapping } from '../../sync/mappings/mapping-name.ts';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { parseInput } from '../form.ts';
import { sendHtml } from '../view.ts';

const ADMIN = { roles: ['admin'] as const };
const realtimeForm = z.object({ realtime: z.enum(['on', 'off']) });

/** A mapping's real-time switch as stored (or its table's default). */
export async function realtimeOf(
  db: Queryable,
  name: string,
): Promise<{ realtime: boolean; isDefault: boolean }> {
  const m = (await listRealtimeMappings(db)).find((x) => x.name === name);
  if (!m) throw AppError.from(await noSuchMapping(db, name));
  return { realtime: m.realtime, isDefault: m.isDefault };
}

/**
 * The mapping page's real-time box: whether the mapping's changes travel within seconds, and for
 * admins the toggle. `oob` when it answers a toggle beside the message in the flash.
 */
export function RealtimeSwitch(props: {
  name: string;
  realtime: boolean;
  isDefault: boolean;
  admin: boolean;
  oob?: boolean;
}) {
  const { name, realtime } = props;
  const how = realtime
    ? 'Changes travel within seconds (the scheduled job stays as the safety net).'
    : 'Changes travel with the scheduled job only.';
  return (
    <div id="realtime-switch" hx-swap-oob={props.oob ? 'true' : undefined}>
      <p>
        <span class={`badge ${realtime ? 'ok' : 'muted'}`}>{realtime ? 'On' : 'Off'}</span>{' '}
        <span class="hint" safe>
          {`${how}${props.isDefault ? ' The default for this table.' : ''}`}
        </span>
      </p>
      {props.admin ? (
        <form
          hx-post={`/integration/mappings/${encodeURIComponent(name)}/realtime`}
          hx-target="#flash"
        >
          <input type="hidden" name="realtime" value={realtime ? 'off' : 'on'} />
          <button type="submit">
            {realtime ? 'Turn real-time propagation off' : 'Turn real-time propagation on'}
          </button>
        </form>
      ) : (
        ''
      )}
    </div>
  );
}

/** The toggle: the answer says what changed (or that nothing did), the box shows the new state. */
export function registerRealtimeSwitch(web: FastifyInstance, ctx: { db: Db }): void {
  web.post<{ Params: { name: string } }>(
    '/integration/mappings/:name/realtime',
    { config: ADMIN },
    async (request, reply) => {
      const name = parseInput(mappingName, request.params.name);
      const { realtime } = parseInput(realtimeForm, request.body);
      const r = unwrap(await switchRealtime(ctx.db, name, realtime === 'on'));
      const now = await realtimeOf(ctx.db, r.mapping);
      return sendHtml(
        reply,
        <>
          {r.changed ? (
            <SuccessBanner message={r.message} />
          ) : (
            <WarningBanner message={r.message} />
          )}
          <RealtimeSwitch name={r.mapping} {...now} admin oob />
        </>,
      );
    },
  );
}
