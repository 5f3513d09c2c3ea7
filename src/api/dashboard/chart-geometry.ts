import type { Objective } from '../../search/spec.js';

/** Axis arithmetic for the dashboard's SVG charts. */

/** Round tick values (1, 2 or 5 times a power of ten) spanning at least `[min, max]`, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  // A single value, or a span too narrow for the 12 digits ticks are printed with, is widened around its middle.
  if (!(max - min > Math.max(Math.abs(min), Math.abs(max), 1e-300) * 1e-9)) {
    const middle = (min + max) / 2;
    const pad = Math.abs(middle) * 0.05 || 1;
    return niceTicks(middle - pad, middle + pad, count);
  }
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  // Multiples of the step, rounded to its precision so that 3 * 0.1 prints as 0.3.
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/** Maps `[d0, d1]` linearly onto `[r0, r1]`. */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (value: number) => number {
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** Ticks and their labels along one axis. */
export interface Axis {
  readonly ticks: readonly number[];
  readonly format: (value: number) => string;
}

const DURATION_UNITS = [
  { name: 'd', seconds: 86_400 },
  { name: 'h', seconds: 3600 },
  { name: 'min', seconds: 60 },
  { name: 's', seconds: 1 },
];

/** A time axis in one unit picked by the span (`0 h, 2 h, 4 h`), rather than a unit per tick. */
export function durationAxis(min: number, max: number): Axis {
  const unit = DURATION_UNITS.find((u) => max >= 2 * u.seconds) ?? DURATION_UNITS.at(-1)!;
  return {
    ticks: niceTicks(min / unit.seconds, max / unit.seconds, 6).map((tick) => tick * unit.seconds),
    format: (seconds) => `${Number((seconds / unit.seconds).toPrecision(6))} ${unit.name}`,
  };
}

/** The value below which a fraction `q` of `values` lie (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The worst tenth of the trials may lie beyond a value axis (drawn on its end, and the chart says so). */
export const OUTLIER_SHARE = 0.1;

/**
 * The span of `values` an axis shows: everything on the better side, and on the worse side all but the
 * worst `outlierShare` of them, so that one broken cell (10 % accuracy on NB201) does not flatten the rest.
 */
export function valueRange(values: readonly number[], direction: Objective['direction'], outlierShare: number): [number, number] {
  // Minimised values are mirrored rather than cut at quantile 1 - share: nearest rank leaves out one value fewer there.
  return direction === 'maximize' ? [quantile(values, outlierShare), Math.max(...values)] : [Math.min(...values), -quantile(values.map((v) => -v), outlierShare)];
}
