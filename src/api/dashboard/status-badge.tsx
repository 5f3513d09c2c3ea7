import type { SearchStatus, TrialStatus } from '../../search/states.js';

/** A search or trial state as a coloured pill; the stylesheet colours it by state. */
export function StatusBadge({ status }: { status: SearchStatus | TrialStatus }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}
