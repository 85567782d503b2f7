import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { workerSeen } from '../../db/system-jobs.ts';
import { expectedTotal } from '../../integration/full-sync/full-sync-lines.ts';
import {
  nothingToStart,
  type ReviewLine,
  restartFailedLines,
  restartLine,
  reviewLines,
  startFullSync,
} from '../../integration/full-sync/full-sync-service.ts';
import { DONE_STATUSES, hasFailures } from '../../integration/full-sync/line-status.ts';
import { openReview } from '../../integration/full-sync/review.ts';
import { stopLine } from '../../integration/full-sync/stop-line.ts';
import { silentFor } from '../../integration/full-sync/worker-reports.ts';
import { AppError, unwrap } from '../../shared/errors.ts';
import { mappingName } from '../../sync/mappings/mapping-name.ts';
import { ActionBar } from '../components/action-bar.tsx';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { BusyButton } from '../components/busy-button.tsx';
import { ProgressBar } from '../components/progress.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import { isAdmin } from '../web-auth.ts';
import type { WebDeps } from '../web-deps.ts';
import { FailedRecordsNote, LineAction, LineStatusBadge, lineNote } from './full-sync-cells.tsx';
import { DIRECTION_LABEL } from './mapping-form.tsx';

const ADMIN = { roles: ['admin'] as const };
const RECOMMENDATION: Record<string, string> = {
  FullSynchronization: 'Full synchronization',
  CoupleRecords: 'Couple records',
  NoRecords: 'Nothing to do',
};
const active = (lines: readonly ReviewLine[]) =>
  lines.some((l) => l.status === 'Queued' || l.status === 'Running');

/** The review lines: recommendation, status and progress per mapping, and Stop or Restart. */
function ReviewTable(props: {
  lines: readonly ReviewLine[];
  admin: boolean;
  /** A worker was seen lately: a queued line waits its turn, not for a worker to be started. */
  workerSeen: boolean;
  /** The instant the lines were read at (the context's clock): how long a worker has been silent. */
  now: number;
}) {
  const finished = props.lines.filter((l) => DONE_STATUSES.has(l.status)).length;
  return (
    <>
      <ProgressBar done={finished} total={props.lines.length} label="Lines finished" />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Full synchronization lines</caption>
          <thead>
            <tr>
              <th scope="col">Mapping</th>
              <th scope="col">Direction</th>
              <th scope="col">Recommendation</th>
              <th scope="col" class="num">
                ERP / CRM records
              </th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Waiting for / message</th>
              {props.admin ? <th scope="col">Action</th> : ''}
            </tr>
          </thead>
          <tbody>
            {props.lines.map((l) => (
              <tr>
                <td safe>{l.mapping}</td>
                <td safe>{DIRECTION_LABEL[l.direction] ?? l.direction}</td>
                <td safe>{RECOMMENDATION[l.recommendation] ?? l.recommendation}</td>
                <td class="num" safe>{`${l.erpCount ?? '—'} / ${l.crmCount ?? '—'}`}</td>
                <td>
                  <LineStatusBadge line={l} />
                </td>
                <td>
                  <ProgressBar done={l.done} total={expectedTotal(l)} label="Records" />
                  {l.matched || l.ambiguous ? (
                    <small safe>
                      {`${l.matched} coupled by matching${l.ambiguous ? `, ${l.ambiguous} ambiguous (held back)` : ''}`}
                    </small>
                  ) : (
                    ''
                  )}
                </td>
                <td class="wrap">
                  {l.status === 'FinishedWithErrors' && l.message ? (
                    <FailedRecordsNote line={l} />
                  ) : (
                    <span safe>{lineNote(l, props.workerSeen, props.now)}</span>
                  )}
                </td>
                {props.admin ? (
                  <td>
                    <LineAction line={l} />
                  </td>
                ) : (
                  ''
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * What the review says above its lines before the first *Start*: that they are what *Start* would
 * hand to the workers, not started; or why they could not be worked out (an empty table would read
 * as nothing to synchronize). Once lines are stored: that their counts are earlier ones, when
 * counting them again failed (counts shown as if current would hide that the CRM is down).
 */
function ReviewHint(props: {
  lines: readonly ReviewLine[];
  countError?: string;
  countsWarning?: string;
}) {
  if (props.countError)
    return (
      <WarningBanner
        message={`${props.countError}. Nothing has been started; reload this page to count again.`}
      />
    );
  if (props.countsWarning)
    return <WarningBanner message={`${props.countsWarning}. Reload this page to count again.`} />;
  if (props.lines.length === 0)
    return <p class="hint">No mapping has a full synchronization line.</p>;
  if (!props.lines.every((l) => l.status === 'NotStarted')) return '';
  return (
    <p class="hint">
      No full synchronization has been started yet. These are the lines <em>Start</em> would hand to
      the workers, each with its recommendation from both sides' records counted now; nothing runs
      until it is pressed.
    </p>
  );
}

/**
 * The review under the page title: the admin's actions, a hint before any start, and the lines,
 * followed live while some are queued or running. Swapped in whole (`oob`) beside an action's
 * answer, so that the actions offered and the hint match the lines.
 */
function ReviewBody(props: {
  lines: readonly ReviewLine[];
  admin: boolean;
  workerSeen: boolean;
  now: number;
  /** Before the first *Start*: why the lines could not be counted. */
  countError?: string;
  /** Once lines are stored: why their counts could not be refreshed. */
  countsWarning?: string;
  oob?: boolean;
}) {
  const { lines, admin } = props;
  // No Start that would do nothing: why not, in the words Start would answer (while lines are at
  // work in words that do not go stale as they move), and each line's Restart instead.
  const idle = props.countError ? undefined : nothingToStart(lines);
  const whyNoStart =
    idle && active(lines)
      ? `Nothing new to start: the full synchronization is at work${
          lines.some((l) => l.status === 'Pending')
            ? ', and the lines not started yet start as their parents finish'
            : ''
        }.`
      : idle;
  const restartFailed = lines.some((l) => hasFailures(l.status));
  return (
    <div
      id="full-sync-review"
      hx-swap-oob={props.oob ? 'true' : undefined}
      // Shown again once the lines followed live are done (app.js: `list-changed`), so that the
      // actions offered match the lines.
      hx-get="/integration/full-sync"
      hx-trigger="list-changed from:body"
      hx-select="#full-sync-review"
      hx-swap="outerHTML"
      hx-disinherit="*"
    >
      {admin && (!idle || restartFailed) ? (
        <ActionBar label="Full synchronization">
          {idle ? (
            ''
          ) : (
            <BusyButton
              label="Start"
              busy="Starting…"
              class="primary"
              hx-post="/integration/full-sync/start"
              hx-target="#flash"
              hx-confirm="Start the full synchronization of every mapping?"
            />
          )}
          {restartFailed ? (
            <BusyButton
              label="Restart failed lines"
              busy="Restarting failed lines…"
              hx-post="/integration/full-sync/restart-failed"
              hx-target="#flash"
              hx-confirm="Restart every failed line, and every line with failed records, of the full synchronization?"
            />
          ) : (
            ''
          )}
        </ActionBar>
      ) : (
        ''
      )}
      {admin && whyNoStart ? (
        <p class="hint" id="nothing-to-start" safe>
          {whyNoStart}
        </p>
      ) : (
        ''
      )}
      <ReviewHint lines={lines} countError={props.countError} countsWarning={props.countsWarning} />
      <div
        id="full-sync"
        data-events={active(lines) ? '/integration/full-sync/events' : undefined}
        aria-live="polite"
      >
        <ReviewTable lines={lines} admin={admin} workerSeen={props.workerSeen} now={props.now} />
      </div>
    </div>
  );
}

/**
 * Full synchronization review: the lines of the integration's full synchronization with their
 * recommendation and live progress (server-sent events while lines are queued or running),
 * *Start* and *Restart*. The workers of `kobling start` / `kobling worker` run the lines.
 */
export function registerFullSyncPage(web: FastifyInstance, deps: WebDeps): void {
  const { ctx, auth } = deps;
  const syncDeps = { db: ctx.db, config: ctx.config, logger: ctx.logger };
  const boss = () => {
    if (!ctx.boss)
      throw new AppError(
        'job_queue_unavailable',
        'This server runs no job queue; start Kobling with `kobling start` so workers can run the full synchronization',
      );
    return ctx.boss;
  };
  const now = () => ctx.clock.now().getTime();
  // Asked only when a line's words depend on it: a queued one, or one whose worker went silent.
  const seen = async (lines: readonly ReviewLine[]) =>
    lines.some((l) => l.status === 'Queued' || silentFor(l, now()) !== undefined) &&
    (await workerSeen(ctx.db));
  web.get('/integration/full-sync', async (request, reply) => {
    const view = viewOf(request, auth);
    const review = await openReview(syncDeps);
    const lines = review.ok ? review.value.lines : [];
    return sendHtml(
      reply,
      <Layout view={view} title="Full synchronization review">
        <ReviewBody
          lines={lines}
          admin={isAdmin(view.user)}
          workerSeen={await seen(lines)}
          now={now()}
          countError={review.ok ? undefined : review.error.message}
          countsWarning={review.ok ? review.value.warning : undefined}
        />
      </Layout>,
    );
  });
  web.get('/integration/full-sync/events', async (request, reply) => {
    const admin = isAdmin(viewOf(request, auth).user);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
    });
    let closed = false;
    request.raw.on('close', () => {
      closed = true;
    });
    while (!closed) {
      const lines = await reviewLines(syncDeps);
      const html = await (
        <ReviewTable lines={lines} admin={admin} workerSeen={await seen(lines)} now={now()} />
      );
      const event = active(lines) ? 'progress' : 'done';
      res.write(
        `event: ${event}\n${html
          .split('\n')
          .map((l) => `data: ${l}`)
          .join('\n')}\n\n`,
      );
      if (event === 'done') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });
  // An action's answer stays in the flash (a reload would take it away); the review is swapped in
  // beside it, its lines followed live while they run.
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    banner: JSX.Element,
    lines?: readonly ReviewLine[],
  ) => {
    const read = lines ?? (await reviewLines(syncDeps));
    const admin = isAdmin(viewOf(request, auth).user);
    return sendHtml(
      reply,
      <>
        {banner}
        <ReviewBody lines={read} admin={admin} workerSeen={await seen(read)} now={now()} oob />
      </>,
    );
  };
  web.post('/integration/full-sync/start', { config: ADMIN }, async (request, reply) => {
    const r = unwrap(await startFullSync(syncDeps, boss()));
    // A start that queued nothing says why as a warning.
    return answer(
      request,
      reply,
      r.queued.length > 0 ? (
        <SuccessBanner message={r.message} />
      ) : (
        <WarningBanner message={r.message} />
      ),
      r.lines,
    );
  });
  web.post('/integration/full-sync/restart-failed', { config: ADMIN }, async (request, reply) => {
    const r = unwrap(await restartFailedLines(syncDeps, boss()));
    return answer(request, reply, <SuccessBanner message={r.message} />, r.lines);
  });
  web.post<{ Params: { mapping: string } }>(
    '/integration/full-sync/lines/:mapping/restart',
    { config: ADMIN },
    async (request, reply) => {
      const mapping = parseInput(mappingName, request.params.mapping);
      const r = unwrap(await restartLine(syncDeps, boss(), mapping));
      return answer(request, reply, <SuccessBanner message={r.message} />);
    },
  );
  web.post<{ Params: { mapping: string } }>(
    '/integration/full-sync/lines/:mapping/stop',
    { config: ADMIN },
    async (request, reply) => {
      const mapping = parseInput(mappingName, request.params.mapping);
      const by = viewOf(request, auth).user?.username ?? 'web';
      const r = unwrap(await stopLine(syncDeps, mapping, by));
      return answer(request, reply, <SuccessBanner message={r.message} />);
    },
  );
}
