import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type MappingRun, mappingRun, runCounters } from '../../integration/mapping-runs.ts';
import { AppError } from '../../shared/errors.ts';
import { plural } from '../../shared/plural.ts';
import { SuccessBanner, WarningBanner } from '../components/banner.tsx';
import { ProgressBar } from '../components/progress.tsx';
import { parseInput } from '../form.ts';
import { Layout } from '../layout.tsx';
import { sendHtml, viewOf } from '../view.ts';
import type { WebDeps } from '../web-deps.ts';

const STATE_LABEL = {
  waiting: 'Waiting',
  running: 'Running',
  done: 'Finished',
  failed: 'Failed',
} as const;

/** The lines of a run with their state and figures (sent again and again while it runs). */
async function RunTable(props: { deps: WebDeps; run: MappingRun }) {
  const { run } = props;
  const counters = await runCounters(props.deps.ctx.db, run);
  const done = run.lines.filter((l) => l.state === 'done' || l.state === 'failed').length;
  const failed = run.lines.filter(
    (l) =>
      l.state === 'failed' ||
      counters.get(l.mapping)?.status === 'failed' ||
      (counters.get(l.mapping)?.failed ?? 0) > 0,
  );
  return (
    <>
      <ProgressBar done={done} total={run.lines.length} label="Mappings finished" />
      <table>
        <caption class="visually-hidden">Progress per mapping</caption>
        <thead>
          <tr>
            <th scope="col">Mapping</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Records processed
            </th>
            <th scope="col" class="num">
              Failed
            </th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {run.lines.map((l) => {
            const c = counters.get(l.mapping);
            return (
              <tr>
                <td>
                  <a href={`/integration/log?mapping=${encodeURIComponent(l.mapping)}`} safe>
                    {l.mapping}
                  </a>
                </td>
                <td safe>{STATE_LABEL[l.state]}</td>
                <td class="num" safe>
                  {String(c?.processed ?? 0)}
                </td>
                <td class="num" safe>
                  {String(c?.failed ?? 0)}
                </td>
                <td safe>{l.message ?? c?.message ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {run.finished ? (
        failed.length > 0 ? (
          <WarningBanner
            message={`Finished. ${plural(failed.length, 'mapping')} had records that failed; the synchronization log lists them with the reason.`}
          />
        ) : (
          <SuccessBanner message="Synchronization finished." />
        )
      ) : (
        ''
      )}
    </>
  );
}

/**
 * A run of several mappings with live progress: the page opens a server-sent event stream that
 * sends the table again every second until the run has finished (no manual refresh).
 */
export function registerRunProgressPages(web: FastifyInstance, deps: WebDeps): void {
  const runOf = (id: unknown) => {
    const run = mappingRun(parseInput(z.guid(), id));
    if (!run)
      throw new AppError(
        'not_found',
        'This synchronization run is not known to this server (it may have been restarted); see the synchronization log',
      );
    return run;
  };
  web.get<{ Params: { id: string } }>('/runs/:id', async (request, reply) => {
    const run = runOf(request.params.id);
    return sendHtml(
      reply,
      <Layout
        view={viewOf(request, deps.auth)}
        title={run.full ? 'Full synchronization' : 'Synchronization'}
      >
        <div
          id="run-progress"
          data-events={run.finished ? undefined : `/runs/${run.id}/events`}
          aria-live="polite"
        >
          <RunTable deps={deps} run={run} />
        </div>
        <p>
          <a href="/integration/log">Synchronization log</a>
        </p>
      </Layout>,
    );
  });
  web.get<{ Params: { id: string } }>('/runs/:id/events', async (request, reply) => {
    const run = runOf(request.params.id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const send = (event: string, html: string) =>
      res.write(
        `event: ${event}\n${html
          .split('\n')
          .map((l) => `data: ${l}`)
          .join('\n')}\n\n`,
      );
    let closed = false;
    request.raw.on('close', () => {
      closed = true;
    });
    while (!closed) {
      const html = await (<RunTable deps={deps} run={run} />);
      if (run.finished) {
        send('done', html);
        break;
      }
      send('progress', html);
      await new Promise((r) => setTimeout(r, 1000));
    }
    res.end();
  });
}
