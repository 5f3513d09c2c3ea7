/**
 * A local correction of an ensemble predictor: a Gaussian process fit to what the ensemble got wrong on the
 * best architectures measured so far, added to its prediction. An ensemble fit to hundreds of random
 * architectures learns the space's broad trends and ranks the few better neighbours of a search's
 * incumbent loosely; its errors on the architectures near the top are local and correlated (an edit that
 * the ensemble over-rates near one good cell it over-rates near the next), which a kernel over encodings
 * picks up from a few dozen answers, each the moment it is finished, without refitting the ensemble.
 *
 * The kernel is exp(-d / lengthScale) with d the Hamming distance between two architectures' one-hot
 * encodings: a product of one Laplacian kernel per bit, so positive definite for any length scale.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { z } from 'zod';
import type { SearchSpace } from '../spaces/space.js';
import type { Prediction } from './predictor.js';

export interface ResidualCorrectionInput {
  /** Encodings (one-hot bits) of the architectures the ensemble is corrected on. */
  readonly encodings: readonly (readonly number[])[];
  /** Measured score minus the ensemble's mean prediction, for each encoding. */
  readonly residuals: readonly number[];
  /** Hamming distance at which two architectures' errors are correlated by 1/e. */
  readonly lengthScale: number;
  /** Observation noise, in the kernel's units (its value at distance 0 is 1): how far the fit may miss each residual. */
  readonly noise: number;
}

function hamming(a: readonly number[], b: readonly number[]): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) distance++;
  return distance;
}

/**
 * The posterior mean of the residuals' Gaussian process (its prior mean is the residuals' mean): what to add
 * to the ensemble's prediction for an encoding. Far from every corrected architecture it tends to that mean.
 */
export function fitResidualCorrection(input: ResidualCorrectionInput): (encoding: readonly number[]) => number {
  const { encodings, residuals, lengthScale, noise } = input;
  if (encodings.length !== residuals.length) throw new Error(`${encodings.length} encodings but ${residuals.length} residuals`);
  if (encodings.length === 0) return () => 0;
  const mean = residuals.reduce((sum, r) => sum + r, 0) / residuals.length;
  const kernel = (a: readonly number[], b: readonly number[]) => Math.exp(-hamming(a, b) / lengthScale);
  const gram = new Matrix(encodings.map((a, i) => encodings.map((b, j) => kernel(a, b) + (i === j ? noise : 0))));
  const weights = new CholeskyDecomposition(gram).solve(Matrix.columnVector(residuals.map((r) => r - mean))).to1DArray();
  return (encoding) => encodings.reduce((sum, known, i) => sum + weights[i]! * kernel(known, encoding), mean);
}

/**
 * How the correction is fit: to the errors on the `top` best answers, with the kernel's length scale and noise.
 * The defaults were chosen on NB301 in the fourth tuning round; `auto` fits the best 30 (the fifth), and the
 * default `top` stays 100 so that the documented commands reproduce (docs/strategies.md#nb301-from-an-earlier-search).
 */
export const ResidualCorrectionSchema = z.strictObject({
  top: z.int().min(1).max(1000).default(100),
  /** Hamming distance at which two architectures' errors are correlated by 1/e. */
  lengthScale: z.number().positive().max(1000).default(8),
  /** Observation noise against the kernel's unit variance. */
  noise: z.number().positive().max(100).default(0.1),
});
export type ResidualCorrectionOptions = z.output<typeof ResidualCorrectionSchema>;

/**
 * The correction of `predictor` fit to its errors on the `top` best of `answers` (architectures with their
 * measured scores), over the space's adjacency (one-hot) encodings: what to add to its mean for an architecture.
 */
export function correctNearTheBest<A>(
  space: SearchSpace<A>,
  answers: readonly { readonly arch: A; readonly score: number }[],
  predictor: { predict(archs: readonly A[]): Prediction[] },
  { top, lengthScale, noise }: ResidualCorrectionOptions,
): (arch: A) => number {
  const best = [...answers].sort((a, b) => b.score - a.score).slice(0, top);
  const predicted = predictor.predict(best.map((answer) => answer.arch));
  const correct = fitResidualCorrection({
    encodings: best.map((answer) => space.encode(answer.arch, 'adjacency')),
    residuals: best.map((answer, i) => answer.score - predicted[i]!.mean),
    lengthScale,
    noise,
  });
  return (arch) => correct(space.encode(arch, 'adjacency'));
}
