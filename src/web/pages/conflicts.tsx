import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  conflictInbox,
  type NamedConflict,
  resolveMany,
  resolveOne,
} from '../../integration/conflict-service.ts';
import { checkEmptyListFilter } from '../../integration/keyset-list.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { agree, plural } from '../../shared/plural.ts';
import { mappingName } from '../../sync/mappings/mapping-name.ts';
import type { ResolveChoice } from '../../sync/service/resolve-conflicts.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { ErrorBanner, SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { display } from '../components/card.tsx';
import { type Column, DataList, Filters } from '../components/list.tsx';
import { RecordLabel } from '../components/record-label.tsx';
import { many, mappingFilter, parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { canWrite } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';

const PAGE = 50;
const query = z.object({
  mapping: mappingFilter,
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
const take = z.enum(['erp', 'crm', 'value']);
const bulkForm = z.object({
  take: z.enum(['erp', 'crm']),
  mapping: mappingName.optional(),
  ids: many(z.guid()).pipe(z.array(z.guid()).max(1000)),
});

/** One side's value with who changed it and when. */
function Side(props: { value: unknown; inErp?: unknown; by: string | null; at: Date | null }) {
  const translated =
    props.inErp !== undefined &&
    props.inErp !== null &&
    JSON.stringify(props.inErp) !== JSON.stringify(props.value);
  return (
    <div class="conflict-side">
      <strong safe>{display(props.value)}</strong>
      {translated ? <span class="hint" safe>{` (${display(props.inErp)} in the ERP)`}</span> : ''}
      <br />
      <span class="hint" safe>{`${props.by ?? 'unknown'} · ${display(props.at)}`}</span>
    </div>
  );
}

/**
 * A button that resolves with one side's value: one entry (`url` of the entry) or the selected
 * ones (`include` names the selection).
 */
function TakeButton(props: { take: 'erp' | 'crm'; url: string; include?: string; label: string }) {
  return (
    <button
      type="button"
      hx-post={props.url}
      hx-vals={JSON.stringify({ take: props.take })}
      hx-include={props.include}
      hx-target="#flash"
      safe
    >
      {props.label}
    </button>
  );
}

const columns = (writable: boolean): Column<NamedConflict>[] => [
  { header: 'Mapping', value: (e) => e.mapping },
  {
    header: 'Record',
    html: (e) => (
      <>
        <RecordLabel side="erp" table={e.erpTable} id={e.erpId} name={e.erpName} />
        {' ⇄'}
        <br />
        <RecordLabel side="crm" table={e.crmEntity} id={e.crmId} name={e.crmName} />
      </>
    ),
  },
  { header: 'Field', value: (e) => `${e.erpField} ⇄ ${e.crmField}` },
  {
    header: 'ERP value',
    html: (e) => <Side value={e.erpValue} by={e.erpModifiedBy} at={e.erpModifiedAt} />,
  },
  {
    header: 'Dynamics 365 Sales value',
    html: (e) => (
      <Side value={e.crmValue} inErp={e.crmValueInErp} by={e.crmModifiedBy} at={e.crmModifiedAt} />
    ),
  },
  { header: 'Since', value: (e) => e.detectedAt },
  ...(writable
    ? [
        {
          header: 'Resolve',
          html: (e: NamedConflict) => (
            <div class="conflict-actions">
              <TakeButton
                take="erp"
                url={`/integration/conflicts/${e.id}/resolve`}
                label="Take ERP"
              />
              <TakeButton
                take="crm"
                url={`/integration/conflicts/${e.id}/resolve`}
                label="Take CRM"
              />
              <label for={`value-${e.id}`} class="visually-hidden">
                Value for {e.erpField}
              </label>
              <input
                id={`value-${e.id}`}
                name={`value-${e.id}`}
                type="text"
                maxlength="2048"
                placeholder="Type a value"
              />
              <button
                type="button"
                hx-post={`/integration/conflicts/${e.id}/resolve`}
                hx-vals='{"take":"value"}'
                hx-include={`#value-${e.id}`}
                hx-target="#flash"
              >
                Use value
              </button>
            </div>
          ),
        },
      ]
    : []),
];

/**
 * The conflict inbox (docs/conflict-inbox.md): fields changed on both sides under policy `ask`,
 * with both values; take the ERP's, the CRM's or type one, per field or for the selected entries.
 */
export function registerConflictPages(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  const deps = () => ({ db: ctx.db, config: ctx.config, logger: ctx.logger, clock: ctx.clock });
  const who = (request: { user?: { username: string } }) => request.user?.username ?? 'web';
  web.get('/integration/conflicts', async (request, reply) => {
    const view = viewOf(request, auth);
    const q = parseInput(query, request.query);
    const mapping = q.mapping;
    const inbox = await conflictInbox(deps(), {
      ...(mapping ? { mapping } : {}),
      top: PAGE,
      skip: (q.page - 1) * PAGE,
    });
    if (inbox.value.length === 0) await checkEmptyListFilter(ctx.db, { mapping });
    const writable = canWrite(view.user);
    return sendHtml(
      reply,
      <Layout view={view} title="Conflicts">
        <p class="hint">
          Fields changed in both the ERP and Dynamics 365 Sales since they last agreed (mappings
          with the conflict rule <em>ask</em>). The rest of each record keeps synchronizing; these
          fields wait for your choice, which is written to both sides. An entry nobody resolves
          becomes a failed, skipped record after the mapping's expiry (7 days unless changed).
        </p>
        {inbox.agedOut > 0 ? (
          <WarningBanner
            message={`${plural(inbox.agedOut, 'conflict')} aged out just now and ${agree(inbox.agedOut, 'is', 'are')} in Skipped records.`}
          />
        ) : (
          ''
        )}
        <Filters id="conflicts" url="/integration/conflicts">
          <label for="mapping">Mapping</label>
          <input
            id="mapping"
            type="search"
            name="mapping"
            value={mapping ?? ''}
            placeholder="e.g. CUSTOMER"
          />
        </Filters>
        <DataList
          id="conflicts"
          url="/integration/conflicts"
          caption="Open conflicts"
          query={{ mapping }}
          columns={columns(writable)}
          page={{ rows: inbox.value, total: inbox.total, page: q.page, pageSize: PAGE }}
          select={writable ? (e) => e.id : undefined}
          empty="No conflicts: nothing waits for a choice."
          actions={
            writable ? (
              <ActionBar label="Actions on the selected conflicts">
                {(['erp', 'crm'] as const).map((take) => (
                  <TakeButton
                    take={take}
                    url="/integration/conflicts/resolve"
                    include="#conflicts-selection input[name=ids]"
                    label={`Take ${take.toUpperCase()} for selected`}
                  />
                ))}
              </ActionBar>
            ) : undefined
          }
        />
      </Layout>,
    );
  });

  web.post<{ Params: { id: string } }>(
    '/integration/conflicts/:id/resolve',
    async (request, reply) => {
      const id = parseInput(z.guid('That is not a conflict id'), request.params.id);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const chosen = parseInput(take, body.take);
      const typed = parseInput(z.string().max(2048).optional(), body[`value-${id}`]);
      // An empty box is a slip, not a wish to clear both sides.
      if (chosen === 'value' && !typed?.trim())
        throw new AppError('validation_failed', 'Type a value first');
      const choice: ResolveChoice =
        chosen === 'value' ? { take: 'value', value: typed ?? null } : { take: chosen };
      const r = unwrap(await resolveOne(deps(), id, choice, who(request)));
      reply.header('hx-trigger', 'list-changed');
      return sendHtml(
        reply,
        <SuccessBanner
          message={`Resolved: both sides now hold ${display(r.erpValue)}${
            r.written.length
              ? ` (written to ${r.written.map((s) => (s === 'erp' ? 'the ERP' : 'Dynamics 365 Sales')).join(' and ')}).`
              : ' (both already held it).'
          }`}
        />,
      );
    },
  );

  web.post('/integration/conflicts/resolve', async (request, reply) => {
    const form = parseInput(bulkForm, request.body);
    if (form.ids.length === 0 && !form.mapping)
      throw new AppError('validation_failed', 'Select one or more conflicts first');
    const target = form.ids.length > 0 ? { ids: form.ids } : { mapping: form.mapping! };
    const r = unwrap(await resolveMany(deps(), target, form.take, who(request)));
    reply.header('hx-trigger', 'list-changed');
    return sendHtml(
      reply,
      <>
        <SuccessBanner
          message={`${plural(r.resolved.length, 'conflict')} resolved with the ${form.take === 'erp' ? 'ERP' : 'Dynamics 365 Sales'} value.`}
        />
        {r.failed.length > 0 ? (
          <ErrorBanner
            title={`${r.failed.length} could not be resolved`}
            message={r.failed.map((f) => f.message).join(' · ')}
          />
        ) : (
          ''
        )}
      </>,
    );
  });
}
