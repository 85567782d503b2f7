import { type RecordName, recordLabel, type Side } from '../../sync/record-names.ts';

/**
 * A record as users know it (`Customer C10000 Adatum Corporation`), its id in the title for those
 * who need it (or `title`, e.g. the ids of both coupled records); by id with "(deleted)" when it no
 * longer exists.
 */
export function RecordLabel(props: {
  side: Side;
  table: string;
  id: string;
  name: RecordName;
  title?: string;
}) {
  return (
    <span class="record" title={props.title ?? props.id} safe>
      {recordLabel(props.side, props.table, props.id, props.name)}
    </span>
  );
}
