import type { TrialRecord } from '../../search/records.js';
import type { SearchSpec } from '../../search/spec.js';
import { niceTicks, type Axis } from './chart-geometry.js';
import { formatTick } from './format.js';
import type { Point } from './search-progress.js';

/** One trial's learning curve: a metric at each step it was measured at (an epoch of our training, a worker's report). */
export interface CurveSeries {
  readonly trialNumber: number;
  /** Step (x) and the metric's value (y), in step order; steps without a finite value are left out. */
  readonly points: readonly Point[];
  /** Stopped by the early-stopping rule: its curve ends where the rule stopped it, on purpose. */
  readonly earlyStopped: boolean;
}

/** What a search's curves run over, and how far they are meant to go (0 when the trials decide). */
export interface CurveSteps {
  readonly unit: 'epoch' | 'step';
  readonly scheduled: number;
}

/**
 * A `train` search's curves run over the epochs of its schedule, known in advance. Every other evaluator's
 * trials report steps of their own choosing (an external worker's reports, a container's printed metrics),
 * so their curves run as far as the longest one.
 */
export function curveStepsOf(spec: SearchSpec): CurveSteps {
  return spec.evaluator.kind === 'train' ? { unit: 'epoch', scheduled: spec.evaluator.schedule.epochs } : { unit: 'step', scheduled: 0 };
}

/**
 * The metrics a search's curves can show, whatever evaluates its trials: of those its trials reported at
 * some step, the one it selects on (`evaluator.metric`, else the first objective) first, then its other
 * objectives, then the rest by name. Empty while no trial reported a step (always, for a benchmark search).
 */
export function curveMetricsOf(spec: SearchSpec, trials: readonly TrialRecord[]): string[] {
  const reported = new Set(trials.flatMap((trial) => (trial.curve ?? []).flatMap((o) => Object.keys(o.metrics))));
  const selection = spec.evaluator.metric ?? spec.objectives[0]!.metric;
  const ranked = [selection, ...spec.objectives.map((o) => o.metric), ...[...reported].sort()];
  return [...new Set(ranked)].filter((metric) => reported.has(metric));
}

/** Every trial's curve of `metric`, in trial-number order; trials without a point are left out. */
export function curveSeries(trials: readonly TrialRecord[], metric: string): CurveSeries[] {
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .map((trial) => ({
      trialNumber: trial.number,
      points: (trial.curve ?? []).flatMap((o) => {
        const value = o.metrics[metric];
        return value !== undefined && Number.isFinite(value) ? [{ x: o.epoch, y: value }] : [];
      }),
      earlyStopped: trial.status === 'EARLY_STOPPED',
    }))
    .filter((series) => series.points.length > 0);
}

/**
 * The axes of a curve chart. Steps run from 1 (or the first step reported, if lower) to the schedule's last
 * epoch (or the longest curve, if longer), so that a curve that stopped early visibly ends short of the
 * right edge; values span every point.
 */
export function curveAxes(series: readonly CurveSeries[], scheduledSteps: number): { xAxis: Axis; yAxis: Axis } {
  const points = series.flatMap((s) => s.points);
  const firstStep = Math.min(1, ...points.map((p) => p.x));
  const lastStep = Math.max(scheduledSteps, ...points.map((p) => p.x));
  const ys = points.map((p) => p.y);
  // Whole steps only: a 3-epoch schedule gets ticks 1, 2, 3 rather than 1, 1.5, 2, ...
  const xTicks = niceTicks(firstStep, Math.max(lastStep, firstStep + 1), Math.min(6, lastStep - firstStep + 1)).filter((tick) => Number.isInteger(tick));
  return {
    xAxis: { ticks: xTicks, format: String },
    yAxis: { ticks: niceTicks(Math.min(...ys), Math.max(...ys), 5), format: formatTick },
  };
}
