import type { TrialRecord } from '../../search/records.js';
import { formatDuration, formatMetric } from './format.js';
import { trialPath } from './page-paths.js';
import { StatusBadge } from './status-badge.js';
import { nextTrialOrder, sortTrials, trialOrderQuery, type TrialOrder, type TrialSortKey } from './trial-order.js';
import { TRIALS_PER_WINDOW, type TrialWindow } from './trial-window.js';

/** The `upTo` a link to `window` carries: none for the latest trials, which is what a page shows unasked. */
const upToOf = (window: TrialWindow) => (window.to < window.total ? window.to : undefined);

function SortableHeader(props: { sortKey: TrialSortKey; label: string; order: TrialOrder; window: TrialWindow; numeric?: boolean }) {
  const active = props.order.key === props.sortKey;
  return (
    <th class={props.numeric ? 'num' : undefined} aria-sort={active ? (props.order.descending ? 'descending' : 'ascending') : undefined}>
      <a href={trialOrderQuery(nextTrialOrder(props.order, props.sortKey), upToOf(props.window))} data-sort={props.sortKey}>
        {props.label}
        {active && <span class="sort-arrow">{props.order.descending ? ' ▼' : ' ▲'}</span>}
      </a>
    </th>
  );
}

/** Links to the windows before and after `window`, in the same order. */
function WindowLinks({ window, order }: { window: TrialWindow; order: TrialOrder }) {
  if (window.from <= 1 && window.to >= window.total) return null;
  const later = Math.min(window.total, window.to + TRIALS_PER_WINDOW);
  return (
    <p class="note window">
      Trials {window.from}–{window.to} of {window.total}
      {window.from > 1 && (
        <>
          {' · '}
          <a href={trialOrderQuery(order, window.from - 1)} data-window="earlier">
            earlier
          </a>
        </>
      )}
      {window.to < window.total && (
        <>
          {' · '}
          <a href={trialOrderQuery(order, later < window.total ? later : undefined)} data-window="later">
            later
          </a>
        </>
      )}
      ; {'GET /v1/searches/{id}/trials'} lists them all.
    </p>
  );
}

/** The trials of `window`, sorted as `order` asks. */
export function TrialTable({ trials, metric, order, window }: { trials: readonly TrialRecord[]; metric: string; order: TrialOrder; window: TrialWindow }) {
  const shown = sortTrials(trials, order, metric);
  // Lineage (evolution, network morphisms): a column for the trial each architecture was derived from.
  const derived = trials.some((trial) => trial.parent);
  return (
    <>
      <table id="trials" class="trials">
        <thead>
          <tr>
            <SortableHeader sortKey="number" label="#" order={order} window={window} numeric />
            <SortableHeader sortKey="status" label="Status" order={order} window={window} />
            <SortableHeader sortKey="value" label={metric} order={order} window={window} numeric />
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
      <WindowLinks window={window} order={order} />
    </>
  );
}
