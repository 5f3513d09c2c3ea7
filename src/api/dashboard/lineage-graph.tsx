import type { TrialRecord } from '../../search/records.js';
import type { Objective } from '../../search/spec.js';
import { formatMetric } from './format.js';
import { layoutLineage, LINEAGE_NODE_HEIGHT, LINEAGE_NODE_WIDTH, selectLineage } from './lineage-layout.js';

/** Trials drawn at most: a long evolution stays a readable drawing; the best trials' ancestries are kept. */
const LINEAGE_NODE_LIMIT = 80;
/** Characters of a change written on its edge; the whole change is in the edge's tooltip. */
const CHANGE_LABEL_LENGTH = 30;

const shorten = (text: string) => (text.length > CHANGE_LABEL_LENGTH ? `${text.slice(0, CHANGE_LABEL_LENGTH - 1)}…` : text);

/**
 * The search page's lineage part: which trial each architecture was derived from and by what change, as a
 * forest drawn by the server. Each box is a trial with its value and links to the trial's page.
 */
export function LineageSection(props: { trials: readonly TrialRecord[]; objective: Objective; bestTrialNumber?: number; trialHref: (n: number) => string }) {
  const { trials: shown, total } = selectLineage(props.trials, props.objective, LINEAGE_NODE_LIMIT);
  if (shown.length === 0) return null;
  const layout = layoutLineage(shown);
  const { metric } = props.objective;
  return (
    <section class="card lineage" id="lineage">
      <h2>Lineage</h2>
      <p class="note">
        Each trial right of the trial its architecture was derived from, the edge labelled with what changed; boxes show {metric}.
        {total > shown.length && ` Showing the ancestries of the best trials: ${shown.length} of ${total} related trials.`}
      </p>
      <div class="drawing">
        <svg class="lineage-graph" viewBox={`0 0 ${layout.width} ${layout.height}`} width={layout.width} role="img" aria-label="Lineage of the trials">
          <defs>
            <marker id="lineage-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0 0L10 5L0 10z" />
            </marker>
          </defs>
          {layout.edges.map((edge) => (
            <g class="derivation" data-from={edge.from} data-to={edge.to}>
              <title>
                trial {edge.from} → trial {edge.to}: {edge.change}
              </title>
              <path d={edge.path} marker-end="url(#lineage-arrowhead)" />
              <text x={edge.labelX.toFixed(1)} y={edge.labelY.toFixed(1)} text-anchor="end">
                {shorten(edge.change)}
              </text>
            </g>
          ))}
          {layout.nodes.map(({ trial, x, y }) => {
            const value = trial.metrics?.[metric];
            const classes = ['lineage-trial', `status-${trial.status.toLowerCase()}`, trial.number === props.bestTrialNumber && 'best'].filter(Boolean).join(' ');
            return (
              <a href={props.trialHref(trial.number)}>
                <g class={classes} data-trial={trial.number}>
                  <title>
                    trial {trial.number} ({trial.status}){value === undefined ? '' : `: ${metric} ${formatMetric(value)}`}
                  </title>
                  <rect x={x - LINEAGE_NODE_WIDTH / 2} y={y - LINEAGE_NODE_HEIGHT / 2} width={LINEAGE_NODE_WIDTH} height={LINEAGE_NODE_HEIGHT} rx="6" />
                  <text x={x} y={y - 4} text-anchor="middle" class="trial-number">
                    #{trial.number}
                  </text>
                  <text x={x} y={y + 11} text-anchor="middle" class="trial-value">
                    {value === undefined ? trial.status.toLowerCase() : formatMetric(value)}
                  </text>
                </g>
              </a>
            );
          })}
        </svg>
      </div>
    </section>
  );
}
