import { z } from 'zod';
import { InvalidRequest } from '../errors.js';
import { issueFields } from '../search/issue-fields.js';

/**
 * How a predictor is built and trained. The defaults were chosen by `npm run bench:predictor` on
 * NAS-Bench-201 (see docs/predictors.md); every field is optional.
 */
export const PredictorOptionsSchema = z.strictObject({
  /** Networks in the ensemble; their spread is the predictor's uncertainty. @default 5 */
  members: z.number().int().min(2).max(20).default(5),
  /** Width of each hidden ReLU layer. @default [64, 64, 64] */
  hiddenLayers: z.array(z.number().int().min(1).max(512)).min(1).max(6).default([64, 64, 64]),
  /** Passes over the training set when training from scratch. @default 20 */
  epochs: z.number().int().min(1).max(5000).default(20),
  /** Passes over the whole (grown) training set on `update`, warm-started. @default 10 */
  updateEpochs: z.number().int().min(1).max(5000).default(10),
  /** Adam step size. @default 0.01 */
  learningRate: z.number().positive().max(1).default(0.01),
  /** Rows per Adam step. @default 32 */
  batchSize: z.number().int().min(1).max(100_000).default(32),
  /**
   * Share of the training set first held out to measure the predictor's rank correlation, then learnt
   * from like an `update`. No measurement when it would hold out fewer than 10 architectures. @default 0.1
   */
  holdOutFraction: z.number().min(0).max(0.5).default(0.1),
  /**
   * Also feed the ensemble the architecture's log parameter count and log FLOPs (the space's `cost`),
   * standardised on the first training set. Size is what a predictor of a few dozen trials can learn:
   * predictor-guided search finds better NB301 cells with it (docs/predictors.md). Absent means off, as in
   * artifacts written before the option existed.
   */
  costFeatures: z.boolean().optional(),
});

export type PredictorOptions = z.input<typeof PredictorOptionsSchema>;
export type ResolvedPredictorOptions = z.output<typeof PredictorOptionsSchema>;

/** Fills in the defaults; throws `InvalidRequest` naming the field (`options.hiddenLayers[1]`) for a bad value. */
export function resolvePredictorOptions(options: unknown = {}): ResolvedPredictorOptions {
  const result = PredictorOptionsSchema.safeParse(options);
  if (!result.success) {
    const [first] = issueFields(result.error, ['options']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return result.data;
}
