import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { previewRun } from '../../integration/preview-service.ts';
import { openEngine } from '../../integration/sync-runtime.ts';
import { AppError } from '../../shared/errors.ts';
import { mappingName, noSuchMapping } from '../../sync/mappings/mapping-name.ts';
import { getMapping } from '../../sync/mappings/mapping-repo.ts';
import type { TableMapping } from '../../sync/model.ts';
import { PREVIEW_ACTIONS, type PreviewDetail, pageOf } from '../../sync/preview/preview-model.ts';
import { WarningBanner } from '../components/banner.tsx';
import { Card, display } from '../components/card.tsx';
import { type Column, DataList } from '../components/list.tsx';
import { RecordLabel } from '../components/record-label.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

const PAGE_SIZE = 50;
const query = z.object({
  full: z.enum(['true', 'false']).optional(),
  page: z.coerce.number().int().min(1).default(1),
});

const PASS_LABEL = {
  ToIntegrationTable: 'ERP → Dynamics 365 Sales',
  FromIntegrationTable: 'Dynamics 365 Sales → ERP',
} as const;

const shown = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : display(v));

/**
 * The pass's source record by its number and name (docs/sync-engine.md, "Records by name"); the ids
 * of both coupled records stay in its title.
 */
function SourceRecord(props: { mapping: TableMapping; detail: PreviewDetail }) {
  const { mapping: m, detail: d } = props;
  const toCrm = d.direction === 'ToIntegrationTable';
  return (
    <RecordLabel
      side={toCrm ? 'erp' : 'crm'}
      table={toCrm ? m.erpTable : m.crmEntity}
      id={(toCrm ? d.erpId : d.crmId) ?? 'new'}
      // No name fields is not "deleted": the label then falls back to the id.
      name={d.name ?? undefined}
      title={`ERP id ${d.erpId ?? 'new'} ⇄ CRM id ${d.crmId ?? 'new'}`}
    />
  );
}

const columnsFor = (m: TableMapping): Column<PreviewDetail>[] => [
  {
    header: 'Direction',
    // A write-back writes the pass's source side: named by the side it writes, not by the pass.
    value: (d) =>
      d.writeBack
        ? d.side === 'erp'
          ? 'Dynamics 365 Sales → ERP (write back)'
          : 'ERP → Dynamics 365 Sales (write back)'
        : PASS_LABEL[d.direction],
  },
  {
    header: 'Action',
    value: (d) =>
      `${d.action}${d.writeBack ? ' (write back)' : ''}${d.conflicts && d.action !== 'conflict' ? ' + conflict inbox' : ''}`,
  },
  {
    header: 'Record',
    html: (d) => <SourceRecord mapping={m} detail={d} />,
  },
  {
    header: 'What changes',
    html: (d) => (
      <ul class="plain">
        {(d.changes ?? []).map((c) => (
          <li safe>
            {d.action === 'insert'
              ? `${c.field}: ${shown(c.after)}`
              : `${c.field}: ${shown(c.before)} → ${shown(c.after)}`}
          </li>
        ))}
        {(d.conflicts ?? []).map((c) => (
          <li
            safe
          >{`${c.erpField} ⇄ ${c.crmField}: ERP ${shown(c.erpValue)}, Dynamics 365 Sales ${shown(c.crmValue)}`}</li>
        ))}
        {d.message && d.action !== 'conflict' ? <li safe>{d.message}</li> : ''}
      </ul>
    ),
  },
];

/**
 * The preview (dry run) of a mapping's run: what the next run (or a full synchronization) would
 * write on each side, field by field, and which records would conflict or fail; nothing is written.
 */
export function registerSyncPreviewPage(web: FastifyInstance, { ctx, auth }: WebDeps): void {
  web.get<{ Params: { name: string } }>(
    '/integration/mappings/:name/preview',
    async (request, reply) => {
      const view = viewOf(request, auth);
      const q = parseInput(query, request.query);
      const name = parseInput(mappingName, request.params.name);
      const m = await getMapping(ctx.db, name);
      if (!m) throw AppError.from(await noSuchMapping(ctx.db, name));
      const engine = await openEngine({ db: ctx.db, config: ctx.config, logger: ctx.logger });
      if (!engine.ok) throw AppError.from(engine.error);
      const full = q.full === 'true';
      const preview = await previewRun(engine.value, m, { full });
      if (!preview.ok) throw AppError.from(preview.error);
      const p = preview.value;
      // Unchanged records are counted in the summary, not listed (unless fields go to the inbox).
      const listed = p.details.filter((d) => d.action !== 'unchanged' || d.conflicts);
      const { items } = pageOf(listed, q.page, PAGE_SIZE);
      const base = `/integration/mappings/${encodeURIComponent(m.name)}`;
      return sendHtml(
        reply,
        <Layout view={view} title={`Preview of ${m.name}${full ? ' (full synchronization)' : ''}`}>
          <p>
            <a href={base}>← Table mapping {m.name}</a> ·{' '}
            {full ? (
              <a href={`${base}/preview`}>Preview the modified records</a>
            ) : (
              <a href={`${base}/preview?full=true`}>Preview a full synchronization</a>
            )}
          </p>
          <WarningBanner message={p.notice} />
          {p.warnings.map((w) => (
            <WarningBanner message={w} />
          ))}
          <Card title="Summary">
            <table>
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col" class="num">
                    Dynamics 365 Sales
                  </th>
                  <th scope="col" class="num">
                    ERP
                  </th>
                </tr>
              </thead>
              <tbody>
                {PREVIEW_ACTIONS.map((a) => (
                  <tr>
                    <td safe>{a}</td>
                    <td class="num">{String(p.summary.crm[a])}</td>
                    <td class="num">{String(p.summary.erp[a])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <DataList
            id="preview"
            url={`${base}/preview`}
            caption={`What a run of ${m.name} would do`}
            query={{ full: full ? 'true' : undefined }}
            columns={columnsFor(m)}
            refresh={false}
            page={{ rows: items, total: listed.length, page: q.page, pageSize: PAGE_SIZE }}
            empty="A run now would write nothing: every record is unchanged."
          />
        </Layout>,
      );
    },
  );
}
