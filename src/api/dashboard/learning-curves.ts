import type { TrialRecord } from '../../search/records.js';
import type { SearchSpec } from '../../search/spec.js';
import { EPOCH_METRICS } from '../../search/training-spec.js';
import { niceTicks, type Axis } from './chart-geometry.js';
import { formatTick } from './format.js';
import type { Point } from './search-progress.js';

/** One trial's learning curve: a metric after each finished epoch. */
export interface CurveSeries {
  readonly trialNumber: number;
  /** Epoch (x) and the metric's value (y), in epoch order; epochs without a finite value are left out. */
  readonly points: readonly Point[];
  /** Stopped by the early-stopping rule: its curve ends before the schedule's last epoch on purpose. */
  readonly earlyStopped: boolean;
}

/**
 * The metrics a search's curves can show, the one it selects on (`evaluator.metric`, else the first
 * objective) first, then the other per-epoch metrics its trials report; empty for a search without learning
 * curves (any evaluator but `train`). Before any epoch finished, the selection metric (or validation accuracy).
 */
export function curveMetricsOf(spec: SearchSpec, trials: readonly TrialRecord[]): string[] {
  if (spec.evaluator.kind !== 'train') return [];
  const selection = spec.evaluator.metric ?? spec.objectives[0]!.metric;
  const reported = new Set(trials.flatMap((trial) => (trial.curve ?? []).flatMap((o) => Object.keys(o.metrics))));
  const candidates = [...new Set([selection, ...EPOCH_METRICS])].filter((metric) => EPOCH_METRICS.includes(metric));
  return reported.size === 0 ? candidates.slice(0, 1) : candidates.filter((metric) => reported.has(metric));
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
 * The axes of a curve chart. Epochs run from 1 to the schedule's last epoch (or the longest curve, if
 * longer), so that a curve that stopped early visibly ends short of the right edge; values span every point.
 */
export function curveAxes(series: readonly CurveSeries[], scheduledEpochs: number): { xAxis: Axis; yAxis: Axis } {
  const points = series.flatMap((s) => s.points);
  const lastEpoch = Math.max(scheduledEpochs, ...points.map((p) => p.x));
  const ys = points.map((p) => p.y);
  // Whole epochs only: a 3-epoch schedule gets ticks 1, 2, 3 rather than 1, 1.5, 2, ...
  const xTicks = niceTicks(1, Math.max(lastEpoch, 2), Math.min(6, lastEpoch)).filter((tick) => Number.isInteger(tick));
  return {
    xAxis: { ticks: xTicks, format: String },
    yAxis: { ticks: niceTicks(Math.min(...ys), Math.max(...ys), 5), format: formatTick },
  };
}
