import { z } from 'zod';
import { PredictorOptionsSchema } from '../../predictors/predictor-options.js';

/** `rl`'s options for learning during the search (online-agent.ts); apart from it, which needs TensorFlow.js. */
export const OnlineOptionsSchema = z.strictObject({
  /** Random architectures measured before the first model and agent. @default 10 */
  initialRandom: z.int().min(2).max(1000).default(10),
  /** Finished trials between refits of model and agent (5, as `predictor-guided`: better at 20-50 queries than 10, at twice the training). @default 5 */
  refitEvery: z.int().min(1).max(1000).default(5),
  /** Learner steps of each agent, trained from scratch in the model. @default 200 */
  steps: z.int().min(1).max(100_000).default(200),
  /** Transitions collected in the model before the first learner step. @default 200 */
  warmup: z.int().min(1).max(100_000).default(200),
  /** Moves of one walk, in training and in planning. @default 10 */
  episodeLength: z.int().min(1).max(1000).default(10),
  /** Walks planned per proposal: from the best measured architectures first, then from random ones. @default 20 */
  walks: z.int().min(1).max(1000).default(20),
  /** Of the walks, how many start at the best measured architectures. @default 10 */
  fromBest: z.int().min(0).max(1000).default(10),
  /** Random moves while planning, so that walks from one start differ. @default 0.1 */
  epsilon: z.number().min(0).max(1).default(0.1),
  /**
   * How many of the best measured architectures lend their unseen one-edit neighbours to the candidates,
   * beside the planned walks' (as `predictor-guided`'s pool); 0: the walks' candidates only. @default 10
   */
  parents: z.int().min(0).max(1000).default(10),
  /** Most of those neighbours among the candidates, a random draw of them. @default 100 */
  poolSize: z.int().min(0).max(10_000).default(100),
  predictor: PredictorOptionsSchema.prefault({}),
});
export type OnlineOptions = z.output<typeof OnlineOptionsSchema>;
