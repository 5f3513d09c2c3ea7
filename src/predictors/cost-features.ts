import type { SearchSpace } from '../spaces/space.js';
import { scaleOf, type Scale } from './scale.js';

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
