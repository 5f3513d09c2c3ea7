import type { SearchSpace } from '../spaces/space.js';

/** A column's standardisation: subtract `mean`, divide by `std` (never 0). */
export interface Scale {
  readonly mean: number;
  readonly std: number;
}

export function scaleOf(values: readonly number[]): Scale {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return { mean, std: std > 0 ? std : 1 };
}

export const COST_FEATURE_COUNT = 2;

/**
 * Log10 parameters and log10 FLOPs of an architecture: size spans orders of magnitude in most spaces, so
 * logs keep one huge network from flattening the others. A zero count reads as 1.
 */
export function costFeatures<A>(space: Pick<SearchSpace<A>, 'cost'>, arch: A): number[] {
  const { params, flops } = space.cost(arch);
  return [Math.log10(Math.max(1, params)), Math.log10(Math.max(1, flops))];
}

/** One scale per cost feature, from the rows of a training set. */
export function costScaleOf(rows: readonly (readonly number[])[]): Scale[] {
  return Array.from({ length: COST_FEATURE_COUNT }, (_, k) => scaleOf(rows.map((row) => row[k]!)));
}

export const standardised = (row: readonly number[], scales: readonly Scale[]) => row.map((v, k) => (v - scales[k]!.mean) / scales[k]!.std);
