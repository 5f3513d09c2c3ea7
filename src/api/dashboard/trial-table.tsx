import type { TrialRecord } from '../../search/records.js';
import { formatDuration, formatMetric } from './format.js';
import { trialPath } from './page-paths.js';
import { StatusBadge } from './status-badge.js';
import { nextTrialOrder, sortTrials, trialOrderQuery, type TrialOrder, type TrialSortKey } from './trial-order.js';

/** Rows drawn at most: a 10,000-trial search stays a light page, and sorting picks which rows those are. */
const TRIAL_ROW_LIMIT = 200;

function SortableHeader(props: { sortKey: TrialSortKey; label: string; order: TrialOrder; numeric?: boolean }) {
  const active = props.order.key === props.sortKey;
  return (
    <th class={props.numeric ? 'num' : undefined} aria-sort={active ? (props.order.descending ? 'descending' : 'ascending') : undefined}>
      <a href={trialOrderQuery(nextTrialOrder(props.order, props.sortKey))} data-sort={props.sortKey}>
        {props.label}
        {active && <span class="sort-arrow">{props.order.descending ? ' ▼' : ' ▲'}</span>}
      </a>
    </th>
  );
}

export function TrialTable({ trials, metric, order }: { trials: readonly TrialRecord[]; metric: string; order: TrialOrder }) {
  const shown = sortTrials(trials, order, metric).slice(0, TRIAL_ROW_LIMIT);
  // Lineage (evolution, network morphisms): a column for the trial each architecture was derived from.
  const derived = trials.some((trial) => trial.parent);
  return (
    <>
      <table id="trials" class="trials">
        <thead>
          <tr>
            <SortableHeader sortKey="number" label="#" order={order} numeric />
            <SortableHeader sortKey="status" label="Status" order={order} />
            <SortableHeader sortKey="value" label={metric} order={order} numeric />
            <th class="num">Training</th>
            <th class="num">Finished at</th>
            {derived && <th class="num">Parent</th>}
            <th>Architecture</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((trial) => {
            const value = trial.metrics?.[metric];
            return (
              <tr data-href={trialPath(trial.searchId, trial.number)}>
                <td class="num">
                  <a href={trialPath(trial.searchId, trial.number)}>{trial.number}</a>
                </td>
                <td>
                  <StatusBadge status={trial.status} />
                </td>
                <td class="num value" data-value={value} title={trial.error?.message}>
                  {value === undefined ? (trial.error?.message ?? '') : formatMetric(value)}
                </td>
                <td class="num">{trial.costSeconds === undefined ? '' : formatDuration(trial.costSeconds)}</td>
                <td class="num">{trial.costSeconds === undefined ? '' : formatDuration(trial.startOffsetSeconds + trial.costSeconds)}</td>
                {derived && (
                  <td class="num parent" title={trial.parent?.change}>
                    {trial.parent && <a href={trialPath(trial.searchId, trial.parent.trialNumber)}>{trial.parent.trialNumber}</a>}
                  </td>
                )}
                <td class="arch" title={trial.arch}>
                  {trial.arch}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {trials.length > shown.length && (
        <p class="note">
          Showing {shown.length} of {trials.length} trials in this order; {'GET /v1/searches/{id}/trials'} lists them all.
        </p>
      )}
    </>
  );
}
