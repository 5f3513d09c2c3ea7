import type { SearchRecord, TrialRecord } from '../../search/records.js';
import { isActiveSearch } from '../../search/states.js';
import type { TrialStatusCounters } from '../../search/trial-counters.js';
import type { ArchitectureGraph } from '../../spaces/space.js';
import { ArchitectureDrawing } from './architecture-graph.js';
import { LearningCurves } from './curve-chart.js';
import { formatDuration, formatMetric, formatTick, formatTimestamp } from './format.js';
import { Layout } from './layout.js';
import { LineageSection } from './lineage-graph.js';
import { LineChart } from './line-chart.js';
import { PREDICT_PATH, trialPath } from './page-paths.js';
import { ParetoSection } from './pareto-chart.js';
import { paretoScatter } from './pareto-geometry.js';
import { progressBySearchTime, progressByTrialNumber } from './search-progress.js';
import { StatusBadge } from './status-badge.js';
import { TrialTable } from './trial-table.js';
import type { TrialOrder } from './trial-order.js';
import type { TrialWindow } from './trial-window.js';

export interface SearchPageData {
  readonly search: SearchRecord;
  /** The trials of `window`: what the charts and the table draw. */
  readonly trials: readonly TrialRecord[];
  readonly window: TrialWindow;
  readonly order: TrialOrder;
  /** The best trial's architecture as its space draws it; absent until a trial succeeds. */
  readonly bestGraph?: ArchitectureGraph;
}

function Counters({ counters }: { counters: TrialStatusCounters }) {
  const nonZero = Object.entries(counters).filter(([, count]) => count > 0);
  return (
    <ul class="counters">
      {nonZero.length === 0 && <li>none yet</li>}
      {nonZero.map(([state, count]) => (
        <li data-state={state}>
          <b>{count}</b> {state}
        </li>
      ))}
    </ul>
  );
}

function StopButton({ search }: { search: SearchRecord }) {
  if (search.status === 'STOPPING') return <button disabled>Stopping…</button>;
  if (!isActiveSearch(search.status)) return null;
  return (
    <button class="danger" data-stop-url={`/v1/searches/${encodeURIComponent(search.id)}/stop`}>
      Stop
    </button>
  );
}

/** Everything on the search page that changes while it runs; the page script swaps it in on every change. */
export function LiveSearch({ search, trials, window, order, bestGraph }: SearchPageData) {
  const objective = search.spec.objectives[0]!;
  const max = search.spec.budget.maxTrialCount;
  const scatter = paretoScatter(trials, search.spec.objectives);
  return (
    <div data-updated-at={search.updatedAt} data-progress-at={search.progressAt ?? ''} data-status={search.status}>
      <div class="status-line">
        <StatusBadge status={search.status} />
        {search.reason && <span class="reason">{search.reason}</span>}
        {search.finishedAt && <span class="muted">finished {formatTimestamp(search.finishedAt)}</span>}
        <StopButton search={search} />
      </div>
      <div class="stats">
        <section class="card stat">
          <h3>Trials</h3>
          <p class="big">
            {search.trialCount} <span class="muted">/ {max}</span>
          </p>
          <progress max={max} value={search.trialStatusCounters.succeeded} />
          <Counters counters={search.trialStatusCounters} />
        </section>
        <section class="card stat">
          <h3>
            Best {objective.metric} <span class="muted">({objective.direction})</span>
          </h3>
          {search.best ? (
            <>
              <p class="big" id="best-value" data-value={search.best.value}>
                {formatMetric(search.best.value)}
              </p>
              <p class="muted">trial {search.best.trialNumber}</p>
            </>
          ) : (
            <p class="big muted">–</p>
          )}
        </section>
        <section class="card stat">
          <h3>Spend</h3>
          <p class="big">{formatDuration(search.elapsedSeconds)}</p>
          <p class="muted">elapsed (simulated for benchmark trials), {formatDuration(search.trainingSeconds)} of training</p>
        </section>
      </div>
      <div class="charts">
        <LineChart
          title="Best so far by trial"
          xLabel="trial number"
          yLabel={objective.metric}
          progress={progressByTrialNumber(trials, objective)}
          xAxis={{ kind: 'trials', budget: max }}
          direction={objective.direction}
          formatY={formatTick}
        />
        <LineChart
          title="Best so far over search time"
          xLabel="finish time on the search clock"
          yLabel={objective.metric}
          progress={progressBySearchTime(trials, objective)}
          xAxis={{ kind: 'duration' }}
          direction={objective.direction}
          formatY={formatTick}
        />
      </div>
      <LearningCurves search={search} trials={trials} highlight={search.best && { trialNumber: search.best.trialNumber, label: 'best' }} />
      {scatter && <ParetoSection scatter={scatter} />}
      {search.best && bestGraph && (
        <section class="card best-architecture">
          <h2>
            Best architecture (<a href={trialPath(search.id, search.best.trialNumber)}>trial {search.best.trialNumber}</a>)
          </h2>
          <p class="arch">{search.best.arch}</p>
          <div class="drawing">
            <ArchitectureDrawing graph={bestGraph} title={`Architecture of trial ${search.best.trialNumber}`} />
          </div>
        </section>
      )}
      <LineageSection trials={trials} objective={objective} bestTrialNumber={search.best?.trialNumber} trialHref={(n) => trialPath(search.id, n)} />
      <h2>Trials</h2>
      <TrialTable trials={trials} metric={objective.metric} order={order} window={window} />
    </div>
  );
}

/** What the search asked for, as term and description. */
function specTerms({ spec, createdAt }: SearchRecord): [string, string][] {
  return [
    ['space', spec.space],
    spec.evaluator.kind === 'benchmark'
      ? ['benchmark', spec.evaluator.benchmark]
      : spec.evaluator.kind === 'train'
        ? ['training on', spec.evaluator.dataset]
        : spec.evaluator.kind === 'container'
          ? ['trained by', `your container ${spec.evaluator.image}, reporting ${spec.evaluator.metricDefinitions.map((d) => d.name).join(', ')}`]
          : ['trained by', `your workers (external), reporting ${spec.evaluator.metrics.join(', ')}`],
    [spec.objectives.length > 1 ? 'objectives' : 'objective', spec.objectives.map((o) => `${o.direction} ${o.metric}`).join(', ')],
    ...(spec.evaluator.kind === 'train' ? [['schedule', `${spec.evaluator.schedule.epochs} epochs, batch ${spec.evaluator.schedule.batchSize}`] as [string, string]] : []),
    ...(spec.earlyStopping ? [['early stopping', spec.earlyStopping.algorithm] as [string, string]] : []),
    ['strategy', spec.strategy.name],
    ['budget', `${spec.budget.maxTrialCount} trials, ${spec.budget.parallelTrialCount} at a time`],
    ['seed', String(spec.seed)],
    ['created', formatTimestamp(createdAt)],
  ];
}

/** `/searches/{id}`: what the search asked for, and its live state below. */
export function SearchPage(data: SearchPageData) {
  const { search } = data;
  const { spec } = search;
  return (
    <Layout title={spec.name ?? `Search ${search.id}`} signedIn>
      <p class="breadcrumb">
        <a href="/">Searches</a> /
      </p>
      <h1>{spec.name ?? 'Search'}</h1>
      <p class="id">{search.id}</p>
      <dl class="spec">
        {specTerms(search).map(([term, description]) => (
          <div>
            <dt>{term}</dt>
            <dd>{description}</dd>
          </div>
        ))}
      </dl>
      <p class="actions">
        <a href={`${PREDICT_PATH}?search=${encodeURIComponent(search.id)}`}>Predict other architectures from trials like these →</a>
      </p>
      <section
        id="live"
        data-live-url={`/searches/${encodeURIComponent(search.id)}/live`}
        data-events-url={`/v1/searches/${encodeURIComponent(search.id)}/events`}
      >
        <LiveSearch {...data} />
      </section>
    </Layout>
  );
}
