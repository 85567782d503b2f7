/** A progress bar with its figures in words (for screen readers too). */
export function ProgressBar(props: { done: number; total: number | null; label: string }) {
  const total = props.total ?? 0;
  const pct = total > 0 ? Math.min(100, Math.round((props.done / total) * 100)) : 0;
  const text = total > 0 ? `${props.done} of ${total}` : `${props.done}`;
  return (
    <div class="progress">
      <span class="progress-label" safe>
        {`${props.label}: ${text}`}
      </span>
      <progress max={total > 0 ? String(total) : undefined} value={String(props.done)}>
        {`${pct}%`}
      </progress>
    </div>
  );
}
