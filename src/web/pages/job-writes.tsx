import { escapeHtml } from '@kitajs/html';
import type { NamedWrite } from '../../integration/job-writes.ts';
import { plural } from '../../shared/plural.ts';
import { Card, display } from '../components/card.tsx';
import { type Column, StaticList } from '../components/list.tsx';
import { RecordLabel } from '../components/record-label.tsx';

const SIDE: Record<string, string> = { erp: 'ERP', crm: 'Dynamics 365 Sales' };
// A lookup the job wrote is `{lookupEntity, id}`, the value it replaced the bare id the CRM
// reads back: both are shown by the id (then named, see Value), so before and after compare.
const isLookup = (v: object): v is { lookupEntity: string; id: string | null } =>
  'lookupEntity' in v && 'id' in v;
const show = (v: unknown): string =>
  v === undefined
    ? ''
    : v === null || v === ''
      ? '(empty)'
      : typeof v === 'object'
        ? isLookup(v)
          ? show(v.id)
          : JSON.stringify(v)
        : String(v);

type Names = Readonly<Record<string, string>> | undefined;
const named = (names: Names, text: string) =>
  names && Object.hasOwn(names, text) ? names[text] : undefined;

/**
 * A value as users know it: a lookup by the name of the record it points to, an option value by
 * its label in the column's option set, the id or value in the title (as is when it could not be
 * named). Names are data: escaped like any value.
 */
function Value(props: { value: unknown; names: Names; labels: Names }) {
  const text = show(props.value);
  const name = named(props.labels, text) ?? named(props.names, text);
  if (name === undefined) return escapeHtml(display(text));
  return (
    <span class="lookup" title={text} safe>
      {name}
    </span>
  );
}

/** One field a job wrote: a row of the card. */
interface FieldWrite {
  write: NamedWrite;
  field: string;
  before: unknown;
  after: unknown;
}

/** The labels of the option set of the row's field: a value is a label only within its column. */
const labelsOf = (r: FieldWrite): Names => {
  const all = r.write.optionLabels;
  return all && Object.hasOwn(all, r.field) ? all[r.field] : undefined;
};

const COLUMNS: Column<FieldWrite>[] = [
  { header: 'Side', value: (r) => SIDE[r.write.side] ?? r.write.side },
  {
    header: 'Record',
    html: (r) => (
      <RecordLabel
        side={r.write.side}
        table={r.write.table}
        id={r.write.recordId}
        name={r.write.name}
      />
    ),
  },
  { header: 'Action', value: (r) => r.write.action },
  { header: 'Field', value: (r) => r.field },
  {
    header: 'Before',
    html: (r) => <Value value={r.before} names={r.write.lookupNames} labels={labelsOf(r)} />,
  },
  {
    header: 'After',
    html: (r) => <Value value={r.after} names={r.write.lookupNames} labels={labelsOf(r)} />,
  },
];

/**
 * What a job wrote, field by field, on both sides (docs/sync-engine.md, "Jobs"): a job of the
 * policy `ask` lists the fields it wrote back to its source side next to its own writes, so the
 * log shows every system it changed. `total` is the history's length; the first writes are shown.
 */
export function JobWritesCard(props: { total: number; writes: readonly NamedWrite[] }) {
  const rows = props.writes.flatMap((w): FieldWrite[] => {
    const values = w.after ?? w.before;
    // A create keeps no values in the history (src/sync/engine/job-log.ts): one row says it.
    if (!values) return [{ write: w, field: '(new record)', before: undefined, after: undefined }];
    return Object.keys(values).map((field) => ({
      write: w,
      field,
      before: w.before ? w.before[field] : undefined,
      after: w.after ? w.after[field] : undefined,
    }));
  });
  const sides = new Set(props.writes.map((w) => w.side));
  return (
    <Card title="Values written">
      <p class="hint" safe>
        {props.total > props.writes.length
          ? `The first ${props.writes.length} of ${props.total} writes; all of them: GET /api/integration/v1/jobs/{id}/writes.`
          : sides.size > 1
            ? 'This job wrote both systems (fields only one side changed are written back to it).'
            : `${plural(props.total, 'write')}.`}
      </p>
      <StaticList
        id="writes"
        caption="Values the job wrote"
        columns={COLUMNS}
        rows={rows}
        empty="This job wrote nothing."
      />
    </Card>
  );
}
