import type { SearchRecord, TrialRecord } from '../../search/records.js';
import type { ArchitectureGraph } from '../../spaces/space.js';
import { ArchitectureDrawing } from './architecture-graph.js';
import { LearningCurves } from './curve-chart.js';
import { formatDuration, formatMetric, formatTimestamp } from './format.js';
import { Layout } from './layout.js';
import { modelExportPath, searchPath, trialPath } from './page-paths.js';
import { StatusBadge } from './status-badge.js';

export interface TrialPageData {
  readonly search: SearchRecord;
  readonly trial: TrialRecord;
  /** The search's trials around this one (`windowAround`): their curves are drawn behind this one's, and its children are listed. */
  readonly trials: readonly TrialRecord[];
  readonly graph: ArchitectureGraph;
}

function Facts({ search, trial, trials }: TrialPageData) {
  const children = trials.filter((t) => t.parent?.trialNumber === trial.number);
  const link = (n: number) => <a href={trialPath(search.id, n)}>trial {n}</a>;
  return (
    <dl class="facts">
      <dt>attempt</dt>
      <dd>{trial.attempt}</dd>
      {trial.costSeconds !== undefined && (
        <>
          <dt>training time</dt>
          <dd>{formatDuration(trial.costSeconds)}</dd>
        </>
      )}
      {trial.backend && (
        <>
          <dt>backend</dt>
          <dd class="backend">{trial.backend}</dd>
        </>
      )}
      {trial.earlyStopReason && (
        <>
          <dt>stopped early</dt>
          <dd class="early-stop-reason">{trial.earlyStopReason}</dd>
        </>
      )}
      {trial.error && (
        <>
          <dt>error</dt>
          <dd class="field-error">{trial.error.message}</dd>
        </>
      )}
      {trial.parent && (
        <>
          <dt>derived from</dt>
          <dd class="parent">
            {link(trial.parent.trialNumber)}: {trial.parent.change}
          </dd>
        </>
      )}
      {children.length > 0 && (
        <>
          <dt>derived into</dt>
          <dd class="children">
            <ul>
              {children.map((child) => (
                <li>
                  {link(child.number)}: {child.parent!.change}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {trial.finishedAt && (
        <>
          <dt>finished</dt>
          <dd>{formatTimestamp(trial.finishedAt)}</dd>
        </>
      )}
    </dl>
  );
}

/** The trial's metrics, the search's objectives first. */
function Metrics({ search, trial }: { search: SearchRecord; trial: TrialRecord }) {
  const objectives = search.spec.objectives.map((o) => o.metric);
  const rank = (name: string) => (objectives.includes(name) ? objectives.indexOf(name) : objectives.length);
  const names = Object.keys(trial.metrics ?? {}).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (names.length === 0) return <p class="muted">none yet</p>;
  return (
    <table class="metrics" id="trial-metrics">
      <tbody>
        {names.map((name) => (
          <tr>
            <th>{name}</th>
            <td class="num" data-value={trial.metrics![name]}>
              {formatMetric(trial.metrics![name]!)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The part of a trial's page that changes while its search runs; the page script swaps it in on every change. */
export function LiveTrial(data: TrialPageData) {
  const { search, trial, trials, graph } = data;
  return (
    <div data-updated-at={search.updatedAt} data-progress-at={search.progressAt ?? ''} data-status={search.status}>
      <div class="status-line">
        <StatusBadge status={trial.status} />
        {trial.modelKey && (
          <span class="export">
            <a href={modelExportPath(search.id, trial.number)}>Export the trained model</a>{' '}
            <span class="muted">(JSON: the training recipe and the TensorFlow.js files to download)</span>
          </span>
        )}
      </div>
      <div class="trial-parts">
        <section class="card">
          <h2>Trial</h2>
          <Facts {...data} />
        </section>
        <section class="card">
          <h2>Metrics</h2>
          <Metrics search={search} trial={trial} />
        </section>
      </div>
      <LearningCurves search={search} trials={trials} highlight={{ trialNumber: trial.number, label: 'this trial' }} />
      <section class="card best-architecture">
        <h2>Architecture</h2>
        <p class="arch">{trial.arch}</p>
        <div class="drawing">
          <ArchitectureDrawing graph={graph} title={`Architecture of trial ${trial.number}`} />
        </div>
      </section>
    </div>
  );
}

/** `/searches/{id}/trials/{n}`: one trial, its curve among the others', lineage, architecture and export. */
export function TrialPage(data: TrialPageData) {
  const { search, trial } = data;
  const name = search.spec.name ?? search.id;
  return (
    <Layout title={`Trial ${trial.number} of ${name}`} signedIn>
      <p class="breadcrumb">
        <a href="/">Searches</a> / <a href={searchPath(search.id)}>{name}</a> /
      </p>
      <h1>Trial {trial.number}</h1>
      <section id="live" data-live-url={`${trialPath(search.id, trial.number)}/live`} data-events-url={`/v1${searchPath(search.id)}/events`}>
        <LiveTrial {...data} />
      </section>
    </Layout>
  );
}
