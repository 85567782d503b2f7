import type { Children } from '@kitajs/html';

/**
 * A button whose request may take seconds (Start and Restart count the lines in the CRM first):
 * while the request is in flight htmx disables it (`hx-disabled-elt`) and marks it `htmx-request`
 * (`hx-indicator`), which shows `busy` in place of `label` (app.css), so the click is seen to be
 * at work and cannot be sent twice. The hidden text is `display: none`, out of the accessible name.
 */
export function BusyButton(
  props: { label: string; busy: string; children?: Children } & JSX.HtmlButtonTag,
) {
  const { label, busy, children: _, ...attributes } = props;
  return (
    <button type="button" {...attributes} hx-disabled-elt="this" hx-indicator="this">
      <span class="when-idle" safe>
        {label}
      </span>
      <span class="when-busy" safe>
        {busy}
      </span>
    </button>
  );
}
