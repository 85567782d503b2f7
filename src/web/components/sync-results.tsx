import type { CreateInReport } from '../../sync/service/create-in.ts';
import type { MatchReport } from '../../sync/service/match-based-coupling.ts';
import type { SyncNowReport } from '../../sync/service/synchronize-now.ts';
import { ErrorBanner, Lines, SuccessBanner, WarningBanner } from './banner.tsx';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The outcome of *Synchronize now*. Records held because both sides changed get the overwrite
 * warning with a button that repeats the action for them with the overwrite confirmed.
 */
export function SyncNowResult(props: {
  report: SyncNowReport;
  names: ReadonlyMap<string, string>;
  confirmUrl: string;
}) {
  const { report } = props;
  const name = (id: string) => props.names.get(id) ?? id;
  const by = (o: string) => report.records.filter((r) => r.outcome === o);
  const done = by('synchronized');
  const held = by('needsConfirmation');
  const inbox = by('heldInInbox');
  const problems = report.records.filter(
    (r) => r.outcome === 'failed' || r.outcome === 'skipped' || r.outcome === 'notCoupled',
  );
  const verb = { send: 'sent to', get: 'updated from', merge: 'merged with' }[report.direction];
  return (
    <>
      {done.length > 0 ? (
        <SuccessBanner message={`${plural(done.length, 'record')} ${verb} Dynamics 365 Sales.`} />
      ) : (
        ''
      )}
      {inbox.length > 0 ? (
        <WarningBanner
          message={`${plural(inbox.length, 'record')} ${verb} Dynamics 365 Sales except fields changed on both sides; they wait in the conflict inbox.`}
        >
          <Lines items={inbox.map((r) => `${name(r.erpId)}: ${r.message ?? ''}`)} />
          <p>
            <a href="/integration/conflicts">Open the conflict inbox</a>
          </p>
        </WarningBanner>
      ) : (
        ''
      )}
      {problems.length > 0 ? (
        <ErrorBanner
          title={`${plural(problems.length, 'record')} not synchronized`}
          message={problems.map((r) => `${name(r.erpId)}: ${r.message ?? r.outcome}`).join(' · ')}
        />
      ) : (
        ''
      )}
      {held.length > 0 ? (
        <WarningBanner
          message={`Both sides changed since the last synchronization for ${plural(held.length, 'record')}; synchronizing would overwrite data.`}
        >
          <Lines items={held.map((r) => `${name(r.erpId)}: ${r.message ?? ''}`)} />
          <form hx-post={props.confirmUrl} hx-target="#flash">
            {held.map((r) => (
              <input type="hidden" name="ids" value={r.erpId} />
            ))}
            <input type="hidden" name="direction" value={report.direction} />
            <input type="hidden" name="confirmOverwrite" value="on" />
            <button type="submit" class="danger">
              Overwrite anyway
            </button>
          </form>
        </WarningBanner>
      ) : (
        ''
      )}
      {report.records.length === 0 ? <WarningBanner message="Nothing was synchronized." /> : ''}
    </>
  );
}

/** The outcome of *Create in Dynamics 365 Sales*. */
export function CreateInResult(props: {
  report: CreateInReport;
  names: ReadonlyMap<string, string>;
  noun: string;
}) {
  const { report } = props;
  const name = (id: string) => props.names.get(id) ?? id;
  return (
    <>
      {report.created.length > 0 ? (
        <SuccessBanner
          message={`${plural(report.created.length, props.noun)} created in Dynamics 365 Sales and coupled.`}
        />
      ) : (
        ''
      )}
      {report.alreadyCoupled.length > 0 ? (
        <WarningBanner
          message={`${plural(report.alreadyCoupled.length, 'record')} already coupled; nothing created for ${report.alreadyCoupled.length === 1 ? 'it' : 'them'}.`}
        >
          <Lines items={report.alreadyCoupled.map(name)} />
        </WarningBanner>
      ) : (
        ''
      )}
      {report.failed.length > 0 ? (
        <ErrorBanner
          title={`${plural(report.failed.length, 'record')} could not be created`}
          message={report.failed.map((f) => `${name(f.id)}: ${f.message}`).join(' · ')}
        />
      ) : (
        ''
      )}
      {report.created.length + report.alreadyCoupled.length + report.failed.length === 0 ? (
        <WarningBanner message="Nothing was created." />
      ) : (
        ''
      )}
    </>
  );
}

/** The outcome of *Match-based coupling*. */
export function MatchResult(props: { report: MatchReport }) {
  const { coupled, created, unmatched } = props.report;
  const message = `Match-based coupling: ${plural(coupled, 'record')} coupled, ${created} created in Dynamics 365 Sales, ${unmatched} without a unique match.`;
  if (coupled + created === 0 && unmatched === 0)
    return <WarningBanner message={`${props.report.message}.`} />;
  return unmatched > 0 ? (
    <WarningBanner message={message}>
      <p>
        The unmatched records are listed in the{' '}
        <a href={`/integration/log/${props.report.jobId}`}>synchronization log</a>.
      </p>
    </WarningBanner>
  ) : (
    <SuccessBanner message={message} />
  );
}
