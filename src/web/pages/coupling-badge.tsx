import type { CouplingFilter } from '../../integration/coupled-records.ts';
import type { Coupling } from '../../sync/model.ts';

export const couplingFilterLabels: Record<CouplingFilter, string> = {
  all: 'All records',
  coupled: 'Coupled',
  uncoupled: 'Not coupled',
  failed: 'Last synchronization failed',
  skipped: 'Skipped',
};

/** The *Coupled* column: yes/no, with failure and skipped states stated in words. */
export function CouplingBadge(props: { coupling: Coupling | undefined }) {
  const c = props.coupling;
  if (!c) return <span class="badge muted">No</span>;
  if (c.skipped) return <span class="badge bad">Skipped</span>;
  if (c.lastResultToCrm === 'Failure' || c.lastResultToErp === 'Failure')
    return <span class="badge bad">Yes · failed</span>;
  if (c.state === 'pending') return <span class="badge warn">Pending</span>;
  return <span class="badge ok">Yes</span>;
}
