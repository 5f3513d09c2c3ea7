import type { SearchRecord, TrialRecord } from '../../search/records.js';
import { ChartAxes, type ChartFrame } from './chart-axes.js';
import { linearScale } from './chart-geometry.js';
import { formatMetric } from './format.js';
import { curveAxes, curveMetricsOf, curveSeries, curveStepsOf, type CurveSeries, type CurveSteps } from './learning-curves.js';
import { trialPath } from './page-paths.js';

const FRAME: ChartFrame = { width: 560, height: 280, margin: { top: 12, right: 16, bottom: 42, left: 56 } };
const { width: WIDTH, height: HEIGHT, margin: MARGIN } = FRAME;
/** Half the size of the cross that marks where the early-stopping rule ended a curve. */
const STOP_MARK = 4.5;
/** Curves shown side by side: the selection metric and one more (e.g. validation loss beside accuracy). */
const CURVE_CHARTS = 2;

interface CurveChartProps {
  readonly title: string;
  readonly metric: string;
  readonly series: readonly CurveSeries[];
  readonly steps: CurveSteps;
  /** The trial drawn on top in the accent colour (the best trial, or the trial a page is about). */
  readonly highlight?: { readonly trialNumber: number; readonly label: string };
  /** Each curve links to its trial's page. */
  readonly trialHref: (trialNumber: number) => string;
}

function describeSeries(series: CurveSeries, metric: string, unit: CurveSteps['unit']): string {
  const last = series.points.at(-1)!;
  const stopped = series.earlyStopped ? ', stopped early' : '';
  return `trial ${series.trialNumber}: ${metric} ${formatMetric(last.y)} after ${unit} ${last.x}${stopped}`;
}

/** One line per trial's learning curve; early-stopped curves end in a cross, the highlighted one on top. */
export function CurveChart(props: CurveChartProps) {
  const { series, highlight, steps } = props;
  const empty = series.length === 0;
  const { xAxis, yAxis } = empty ? {} : curveAxes(series, steps.scheduled);
  const x = linearScale([xAxis?.ticks[0] ?? 0, xAxis?.ticks.at(-1) ?? 1], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([yAxis?.ticks[0] ?? 0, yAxis?.ticks.at(-1) ?? 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const px = (value: number) => x(value).toFixed(1);
  const py = (value: number) => y(value).toFixed(1);
  const ordered = [...series.filter((s) => s.trialNumber !== highlight?.trialNumber), ...series.filter((s) => s.trialNumber === highlight?.trialNumber)];
  const stoppedCount = series.filter((s) => s.earlyStopped).length;
  return (
    <figure class="chart curve-chart">
      <figcaption>
        {props.title}
        <span class="legend">
          {highlight && series.some((s) => s.trialNumber === highlight.trialNumber) && (
            <>
              <span class="swatch highlight-swatch"></span> {highlight.label} (trial {highlight.trialNumber})
            </>
          )}
          {stoppedCount > 0 && <> · × {stoppedCount} stopped early</>}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        {empty && (
          <text class="empty" x={WIDTH / 2} y={HEIGHT / 2} text-anchor="middle">
            no finite values yet
          </text>
        )}
        <ChartAxes frame={FRAME} xAxis={xAxis} yAxis={yAxis} px={px} py={py} xLabel={steps.unit} yLabel={props.metric} />
        {ordered.map((s) => {
          const line = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x)} ${py(p.y)}`).join('') + (s.points.length === 1 ? 'h0' : '');
          const end = s.points.at(-1)!;
          const classes = ['curve', s.trialNumber === highlight?.trialNumber && 'highlighted', s.earlyStopped && 'early-stopped'].filter(Boolean).join(' ');
          return (
            <a href={props.trialHref(s.trialNumber)}>
              <g class={classes} data-trial={s.trialNumber}>
                <title>{describeSeries(s, props.metric, steps.unit)}</title>
                <path class="line" d={line} />
                {s.earlyStopped && (
                  <path
                    class="stop-mark"
                    d={`M${(x(end.x) - STOP_MARK).toFixed(1)} ${(y(end.y) - STOP_MARK).toFixed(1)}l${2 * STOP_MARK} ${2 * STOP_MARK}m0 ${-2 * STOP_MARK}l${-2 * STOP_MARK} ${2 * STOP_MARK}`}
                  />
                )}
              </g>
            </a>
          );
        })}
      </svg>
    </figure>
  );
}

/**
 * A search's learning curves, whatever trains its trials (our training's epochs, external workers' reports,
 * a container's printed metrics): one line per trial, the best highlighted, early stops marked; nothing
 * until a trial has reported a step.
 */
export function LearningCurves({ search, trials, highlight }: { search: SearchRecord; trials: readonly TrialRecord[]; highlight?: { trialNumber: number; label: string } }) {
  const metrics = curveMetricsOf(search.spec, trials).slice(0, CURVE_CHARTS);
  if (metrics.length === 0) return null;
  const steps = curveStepsOf(search.spec);
  return (
    <section id="learning-curves">
      <h2>Learning curves</h2>
      <div class="charts">
        {metrics.map((metric) => (
          <CurveChart
            title={`${metric} per ${steps.unit}`}
            metric={metric}
            series={curveSeries(trials, metric)}
            steps={steps}
            highlight={highlight}
            trialHref={(n) => trialPath(search.id, n)}
          />
        ))}
      </div>
    </section>
  );
}
