import type { Objective } from '../../search/spec.js';
import { durationAxis, linearScale, niceTicks, quantile, type Axis } from './chart-geometry.js';
import type { Progress } from './search-progress.js';

const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { top: 12, right: 16, bottom: 42, left: 56 };
/** The worst tenth of the trials may lie beyond the value axis, so that one broken cell does not flatten the curve. */
const OUTLIER_SHARE = 0.1;

interface LineChartProps {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly progress: Progress;
  /** `trials` counts from 0 to the trial budget; `duration` is seconds from 0, labelled in one unit. */
  readonly xAxis: { readonly kind: 'trials'; readonly budget: number } | { readonly kind: 'duration' };
  readonly direction: Objective['direction'];
  readonly formatY: (y: number) => string;
}

function xAxisOf(props: LineChartProps, xs: readonly number[]): Axis {
  if (props.xAxis.kind === 'duration') return durationAxis(0, Math.max(...xs));
  return { ticks: niceTicks(0, Math.max(props.xAxis.budget, ...xs), 6), format: String };
}

function yAxisOf(props: LineChartProps, ys: readonly number[]): Axis {
  const [low, high] =
    props.direction === 'maximize' ? [quantile(ys, OUTLIER_SHARE), Math.max(...ys)] : [Math.min(...ys), quantile(ys, 1 - OUTLIER_SHARE)];
  return { ticks: niceTicks(low, high, 5), format: props.formatY };
}

/** Dots for every trial's value and the best-so-far staircase over them, as one SVG. */
export function LineChart(props: LineChartProps) {
  const { trials, bestSoFar } = props.progress;
  const empty = trials.length === 0;
  const xAxis = empty ? undefined : xAxisOf(props, trials.map((p) => p.x));
  const yAxis = empty ? undefined : yAxisOf(props, trials.map((p) => p.y));
  const [xMin, xMax] = [xAxis?.ticks[0] ?? 0, xAxis?.ticks.at(-1) ?? 1];
  const [yMin, yMax] = [yAxis?.ticks[0] ?? 0, yAxis?.ticks.at(-1) ?? 1];
  const x = linearScale([xMin, xMax], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([yMin, yMax], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const px = (value: number) => x(value).toFixed(1);
  // Values beyond the axis are drawn on its end.
  const py = (value: number) => y(Math.min(yMax, Math.max(yMin, value))).toFixed(1);
  const pinned = trials.some((p) => p.y < yMin || p.y > yMax);
  // One path for all dots (a zero-length segment with round caps each): small even at 10,000 trials.
  const dots = trials.map((p) => `M${px(p.x)} ${py(p.y)}h0`).join('');
  const staircase = bestSoFar.map((p, i) => (i === 0 ? `M${px(p.x)} ${py(p.y)}` : `H${px(p.x)}V${py(p.y)}`)).join('');
  return (
    <figure class="chart">
      <figcaption>
        {props.title}
        {pinned && <span class="muted"> · outliers drawn on the axis</span>}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {empty && (
          <text class="empty" x={WIDTH / 2} y={HEIGHT / 2} text-anchor="middle">
            no succeeded trials yet
          </text>
        )}
        {yAxis?.ticks.map((tick) => (
          <g class="tick">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={py(tick)} y2={py(tick)} />
            <text x={MARGIN.left - 6} y={py(tick)} dy="0.32em" text-anchor="end">
              {yAxis.format(tick)}
            </text>
          </g>
        ))}
        {xAxis?.ticks.map((tick) => (
          <text class="tick" x={px(tick)} y={HEIGHT - MARGIN.bottom + 16} text-anchor="middle">
            {xAxis.format(tick)}
          </text>
        ))}
        {!empty && <path class="trial-dots" d={dots} />}
        {!empty && <path class="best-so-far" d={staircase} />}
        <text class="axis-label" x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 6} text-anchor="middle">
          {props.xLabel}
        </text>
        <text class="axis-label" transform={`translate(14 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`} text-anchor="middle">
          {props.yLabel}
        </text>
      </svg>
    </figure>
  );
}
