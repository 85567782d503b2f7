import type { Children } from '@kitajs/html';

/** A readable error (never a stack trace): what went wrong, in words. */
export function ErrorBanner(props: { message: string; title?: string }) {
  return (
    <div class="banner error" role="alert">
      <strong safe>{props.title ?? 'That did not work'}</strong>
      <p safe>{props.message}</p>
    </div>
  );
}

/** The outcome of an action that worked; `children` may list details. */
export function SuccessBanner(props: { message: string; children?: Children }) {
  return (
    <div class="banner success" role="status">
      <p safe>{props.message}</p>
      {props.children ?? ''}
    </div>
  );
}

/** An outcome that needs attention (nothing done, partly done, a warning). */
export function WarningBanner(props: { message: string; children?: Children }) {
  return (
    <div class="banner warning" role="status">
      <p safe>{props.message}</p>
      {props.children ?? ''}
    </div>
  );
}

/** A list of lines under a banner (e.g. one line per record that failed). */
export function Lines(props: { items: readonly string[] }) {
  if (props.items.length === 0) return '';
  return (
    <ul class="lines">
      {props.items.slice(0, 50).map((t) => (
        <li safe>{t}</li>
      ))}
      {props.items.length > 50 ? <li>… and {String(props.items.length - 50)} more</li> : ''}
    </ul>
  );
}
