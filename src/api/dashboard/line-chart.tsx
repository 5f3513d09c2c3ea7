import type { Objective } from '../../search/spec.js';
import { ChartAxes, type ChartFrame } from './chart-axes.js';
import { durationAxis, linearScale, niceTicks, OUTLIER_SHARE, valueRange, type Axis } from './chart-geometry.js';
import type { Progress } from './search-progress.js';

const FRAME: ChartFrame = { width: 560, height: 260, margin: { top: 12, right: 16, bottom: 42, left: 56 } };
const { width: WIDTH, height: HEIGHT, margin: MARGIN } = FRAME;

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
  const [low, high] = valueRange(ys, props.direction, OUTLIER_SHARE);
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
        <ChartAxes frame={FRAME} xAxis={xAxis} yAxis={yAxis} px={px} py={py} xLabel={props.xLabel} yLabel={props.yLabel} />
        {!empty && <path class="trial-dots" d={dots} />}
        {!empty && <path class="best-so-far" d={staircase} />}
      </svg>
    </figure>
  );
}
