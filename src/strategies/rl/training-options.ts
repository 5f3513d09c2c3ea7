/** Hyperparameters of `nas agent train`, validated once; every field has the default given here. */
import { z } from 'zod';
import { QNetworkConfigSchema, type QNetworkConfig } from './q-network.js';

// Measured (bench/rl, docs/strategies.md#rl): the MLP trains 6-9x faster than the 32-wide transformer and its
// policies search better after the same 1,500 steps, so it is the default; the transformer stays available.
export const DEFAULT_NETWORK: QNetworkConfig = { kind: 'mlp', hidden: [64, 64] };

export const TrainingOptionsSchema = z.strictObject({
  /** Learner (gradient) steps. */
  steps: z.number().int().min(1).default(1500),
  seed: z.number().int().default(0),
  network: QNetworkConfigSchema.default(DEFAULT_NETWORK),
  learningRate: z.number().positive().max(1).default(1e-3),
  batchSize: z.number().int().min(1).max(1024).default(64),
  gamma: z.number().min(0).max(1).default(0.9),
  /** n of the n-step returns (Ape-X: 3). */
  nStep: z.number().int().min(1).max(20).default(3),
  /** T: steps per episode before truncation. */
  episodeLength: z.number().int().min(1).max(1000).default(20),
  actors: z.number().int().min(1).max(64).default(4),
  replayCapacity: z.number().int().min(100).default(50_000),
  priorityAlpha: z.number().min(0).max(1).default(0.6),
  priorityBeta: z.number().min(0).max(1).default(0.4),
  clipNorm: z.number().positive().default(10),
  targetUpdateInterval: z.number().int().min(1).default(250),
  /** Transitions collected before the first learner step. */
  warmup: z.number().int().min(1).default(500),
  /** Steps of every actor per learner step. */
  actorStepsPerLearnerStep: z.number().int().min(1).max(100).default(1),
  /** Random architectures scored to fix the benchmark's score scale. */
  scaleSamples: z.number().int().min(2).default(256),
  checkpointInterval: z.number().int().min(1).default(500),
  logInterval: z.number().int().min(1).default(100),
});
export type TrainingOptions = z.output<typeof TrainingOptionsSchema>;
export type TrainingOptionsInput = z.input<typeof TrainingOptionsSchema>;
