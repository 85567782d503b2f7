import type { Children } from '@kitajs/html';

/** The row of actions above a list or card; only rendered when it has something to offer. */
export function ActionBar(props: { label?: string; children?: Children }) {
  return (
    <div class="actions" role="toolbar" aria-label={props.label ?? 'Actions'}>
      {props.children}
    </div>
  );
}
