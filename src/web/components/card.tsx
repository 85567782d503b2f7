import type { Children } from '@kitajs/html';
import { formatDate, isDateLike } from '../format.ts';

/** A titled box of content (a record's card, a settings group, a statistics box). */
export function Card(props: { title: string; id?: string; children?: Children }) {
  return (
    <section class="card" id={props.id} aria-label={props.title}>
      <h2 safe>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** Label/value pairs; values are text and escaped. */
export function Fields(props: { fields: readonly [string, unknown][] }) {
  return (
    <dl class="fields">
      {props.fields.map(([label, value]) => (
        <>
          <dt safe>{label}</dt>
          <dd safe>{display(value)}</dd>
        </>
      ))}
    </dl>
  );
}

/** How a value reads on a page. */
export function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (isDateLike(value)) return formatDate(value) || '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
