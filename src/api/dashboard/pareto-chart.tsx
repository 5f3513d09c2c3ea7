import type { Objective } from '../../search/spec.js';
import { ChartAxes, type ChartFrame } from './chart-axes.js';
import { linearScale, niceTicks, OUTLIER_SHARE, valueRange, type Axis } from './chart-geometry.js';
import { formatMetric, formatTick } from './format.js';
import type { ParetoScatter, ScatterPoint } from './pareto-geometry.js';
import type { Point } from './search-progress.js';

const FRAME: ChartFrame = { width: 560, height: 320, margin: { top: 12, right: 24, bottom: 42, left: 56 } };
const { width: WIDTH, height: HEIGHT, margin: MARGIN } = FRAME;
/** Rows of the front's table: a front of a few dozen trials is typical; the API lists all of them. */
const FRONT_ROW_LIMIT = 20;

/** An objective's axis label says which way is better: `params (minimize, better ←)`. */
function axisLabel(objective: Objective, arrows: { better: string; worse: string }): string {
  return `${objective.metric} (${objective.direction}, better ${objective.direction === 'maximize' ? arrows.better : arrows.worse})`;
}

/**
 * The first objective's axis leaves out its worst tenth exactly as the progress charts above it do: a broken
 * cell (10 % on NB201) that reaches the front by having the fewest parameters is the same outlier there.
 * The second objective's axis always spans the front, so that the best trials by the first objective (often
 * the largest ones) are never the ones pushed to its end; only dominated trials may be.
 */
function axesOf(scatter: ParetoScatter, all: readonly ScatterPoint[]): { xAxis: Axis; yAxis: Axis } {
  const [yLow, yHigh] = valueRange(all.map((p) => p.y), scatter.yObjective.direction, OUTLIER_SHARE);
  const [xLow, xHigh] = valueRange(all.map((p) => p.x), scatter.xObjective.direction, OUTLIER_SHARE);
  const frontXs = scatter.front.map((p) => p.x);
  return {
    yAxis: { ticks: niceTicks(yLow, yHigh, 5), format: formatTick },
    xAxis: { ticks: niceTicks(Math.min(xLow, ...frontXs), Math.max(xHigh, ...frontXs), 5), format: formatTick },
  };
}

/** A value clamped to its axis, so that an outlier is drawn on the axis's end. */
const clampTo = (axis: Axis) => (value: number) => Math.min(axis.ticks.at(-1)!, Math.max(axis.ticks[0]!, value));

function describePoint(point: ScatterPoint, scatter: ParetoScatter): string {
  const { yObjective, xObjective } = scatter;
  return `trial ${point.trialNumber}: ${yObjective.metric} ${formatMetric(point.y)}, ${xObjective.metric} ${formatMetric(point.x)}`;
}

/** Every succeeded trial over the first two objectives, the front highlighted and joined by its staircase. */
function ParetoPlot({ scatter }: { scatter: ParetoScatter }) {
  const all = [...scatter.front, ...scatter.dominated];
  const empty = all.length === 0;
  const { xAxis, yAxis } = empty ? {} : axesOf(scatter, all);
  const x = xAxis ? linearScale([xAxis.ticks[0]!, xAxis.ticks.at(-1)!], [MARGIN.left, WIDTH - MARGIN.right]) : () => MARGIN.left;
  const y = yAxis ? linearScale([yAxis.ticks[0]!, yAxis.ticks.at(-1)!], [HEIGHT - MARGIN.bottom, MARGIN.top]) : () => MARGIN.top;
  const px = (value: number) => x(xAxis ? clampTo(xAxis)(value) : value).toFixed(1);
  const py = (value: number) => y(yAxis ? clampTo(yAxis)(value) : value).toFixed(1);
  const isPinned = (p: Point) => (xAxis && clampTo(xAxis)(p.x) !== p.x) || (yAxis && clampTo(yAxis)(p.y) !== p.y);
  const pinned = all.some(isPinned);
  // One path for all dominated dots (zero-length round-capped segments): small even at 10,000 trials.
  const dominated = scatter.dominated.map((p) => `M${px(p.x)} ${py(p.y)}h0`).join('');
  const staircase = scatter.staircase.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)} ${py(p.y)}`).join('');
  const title = `Pareto front: ${scatter.yObjective.metric} against ${scatter.xObjective.metric}`;
  return (
    <figure class="chart pareto-plot">
      <figcaption>
        {scatter.yObjective.metric} against {scatter.xObjective.metric}
        <span class="legend">
          <span class="swatch front-swatch"></span> {scatter.front.length} non-dominated <span class="swatch dominated-swatch"></span>{' '}
          {scatter.dominated.length} dominated
        </span>
        {pinned && <span class="muted"> · outliers drawn on the axis (hollow if on the front)</span>}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {empty && (
          <text class="empty" x={WIDTH / 2} y={HEIGHT / 2} text-anchor="middle">
            no succeeded trials yet
          </text>
        )}
        <ChartAxes
          frame={FRAME}
          xAxis={xAxis}
          yAxis={yAxis}
          px={px}
          py={py}
          xLabel={axisLabel(scatter.xObjective, { better: '→', worse: '←' })}
          yLabel={axisLabel(scatter.yObjective, { better: '↑', worse: '↓' })}
        />
        {dominated && <path class="dominated" d={dominated} />}
        {staircase && <path class="front-line" d={staircase} />}
        <g class="front">
          {scatter.front.map((point) => (
            <circle cx={px(point.x)} cy={py(point.y)} r="4.5" data-trial={point.trialNumber} class={isPinned(point) ? 'pinned' : undefined}>
              <title>{describePoint(point, scatter)}</title>
            </circle>
          ))}
        </g>
      </svg>
    </figure>
  );
}

/** The front's trials, best first by the first objective, with every objective's value. */
function FrontTable({ scatter, objectives }: { scatter: ParetoScatter; objectives: readonly Objective[] }) {
  const shown = scatter.frontTrials.slice(0, FRONT_ROW_LIMIT);
  return (
    <div class="front-table">
      <table id="pareto-front">
        <thead>
          <tr>
            <th class="num">#</th>
            {objectives.map((objective) => (
              <th class="num" title={objective.direction}>
                {objective.metric} {objective.direction === 'maximize' ? '↑' : '↓'}
              </th>
            ))}
            <th>Architecture</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((trial) => (
            <tr data-trial={trial.number}>
              <td class="num">{trial.number}</td>
              {objectives.map((objective) => (
                <td class="num">{formatMetric(trial.metrics![objective.metric]!)}</td>
              ))}
              <td class="arch" title={trial.arch}>
                {trial.arch}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {scatter.frontTrials.length > shown.length && (
        <p class="note">
          Showing {shown.length} of {scatter.frontTrials.length}; {'GET /v1/searches/{id}/pareto'} lists them all.
        </p>
      )}
    </div>
  );
}

/** The search page's multi-objective part: the scatter, the front as a table and its hypervolume. */
export function ParetoSection({ scatter }: { scatter: ParetoScatter }) {
  const objectives = [scatter.yObjective, scatter.xObjective, ...scatter.unplotted];
  return (
    <section class="pareto" id="pareto">
      <h2>Pareto front</h2>
      <p class="note">
        Non-dominated over {objectives.length === 2 ? 'both objectives' : `all ${objectives.length} objectives`}
        {scatter.unplotted.length > 0 &&
          `; plotted over the first two, so some front trials may look dominated (${scatter.unplotted.map((o) => o.metric).join(', ')} not drawn)`}
        . Hypervolume {formatMetric(scatter.hypervolume)} against the reference point ({scatter.referencePoint.map(formatMetric).join(', ')}).
      </p>
      <div class="pareto-parts">
        <ParetoPlot scatter={scatter} />
        <FrontTable scatter={scatter} objectives={objectives} />
      </div>
    </section>
  );
}
