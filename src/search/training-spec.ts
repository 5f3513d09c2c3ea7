import { z } from '@hono/zod-openapi';

/**
 * The parts of a search spec that only real training has: the recipe every trial trains with, and the rule
 * that stops unpromising trials early. Kept apart from spec.ts so the recipe can travel with an exported
 * model on its own.
 */

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const LEARNING_RATE_SCHEDULES = ['constant', 'cosine', 'step'] as const;

/** How every trial of a search trains: the same recipe for all, so their scores compare. */
export const TrainingScheduleSchema = z
  .strictObject({
    epochs: z.int().min(1).max(1000).default(10),
    batchSize: z.int().min(1).max(4096).default(64),
    optimizer: z.enum(OPTIMIZERS).default('adam'),
    learningRate: z.number().positive().max(10).default(0.001),
    /** `cosine` decays to 0 over `epochs`; `step` divides by 10 at 50% and 75% of `epochs`. */
    learningRateSchedule: z.enum(LEARNING_RATE_SCHEDULES).default('constant'),
    /** SGD only. */
    momentum: z.number().min(0).max(0.999).default(0.9),
    /** Seeds weight initialisation and batch order; the search's seed and the trial number when absent. */
    seed: z.int().min(0).max(2 ** 31 - 1).optional(),
    /**
     * The short/long schedule of MOE/RNAS (Booysen & Bosman 2024): a trial derived from another trains
     * `epochs` first; if its validation loss is then within `threshold` (relative) of its parent's, it
     * stops there, else it trains the whole schedule. Trials without a parent train the whole schedule.
     */
    shortSchedule: z
      .strictObject({
        epochs: z.int().min(1).max(999),
        /** Largest relative change of validation loss, |child - parent| / parent, that counts as barely changed. */
        threshold: z.number().positive().max(1),
      })
      .optional(),
  })
  .refine((schedule) => !schedule.shortSchedule || schedule.shortSchedule.epochs < schedule.epochs, {
    path: ['shortSchedule', 'epochs'],
    message: 'the short schedule must be shorter than the schedule (epochs)',
  })
  .openapi('TrainingSchedule');

export const TrainEvaluatorSchema = z.strictObject({
  kind: z.literal('train'),
  /** A built-in dataset (GET /v1/catalog lists them) or a user dataset: `dir:<path>`, `s3://<bucket>/<prefix>` or `artifacts:<prefix>`. */
  dataset: z.string().min(1).max(500),
  /** Options of the dataset (e.g. sequence length, vocabulary size); see docs/datasets.md. */
  datasetOptions: z.record(z.string(), z.unknown()).default({}),
  /** Settings of the space's model builder that all trials share (e.g. nb201 `channels`); see docs/training.md. */
  model: z.record(z.string(), z.number()).default({}),
  schedule: TrainingScheduleSchema.default(TrainingScheduleSchema.parse({})),
  /**
   * A trial derived from another (evolution, nsga2) starts from its parent's trained weights instead of
   * from scratch (network morphisms, Booysen & Bosman 2024; see docs/training.md).
   */
  inheritWeights: z.boolean().default(false),
  /**
   * Knowledge distillation (Hinton et al. 2015): every trial also learns from a trained teacher trial's
   * outputs softened by `temperature`; `weight` is the teacher's share of the loss (docs/training.md).
   */
  distillation: z
    .strictObject({
      teacher: z.strictObject({ searchId: z.string().min(1).max(64), trialNumber: z.int().min(1) }),
      temperature: z.number().positive().max(100).default(4),
      weight: z.number().min(0).max(1).default(0.5),
    })
    .optional(),
  /** The metric the search selects on; defaults to the first objective's metric. Always a validation metric. */
  metric: z.string().min(1).max(100).optional(),
});

/** Metrics a training job reports: selection on validation, test only reported, latency measured. */
export const TRAIN_METRICS: readonly string[] = [
  'validation_accuracy',
  'validation_loss',
  'validation_perplexity',
  'test_accuracy',
  'test_loss',
  'test_perplexity',
  'latency_ms',
];

export const EarlyStoppingSchema = z
  .discriminatedUnion('algorithm', [
    z.strictObject({
      /** Golovin et al. 2017 (Google Vizier): stop a trial whose best value so far is worse than the median of the other trials' running averages at the same epoch. */
      algorithm: z.literal('median'),
      settings: z
        .strictObject({
          /** Finished-or-running trials that must have reached an epoch before the rule judges it. */
          minTrialsRequired: z.int().min(1).max(1000).default(3),
          /** Epochs every trial trains before it can be stopped. */
          startEpoch: z.int().min(1).max(1000).default(2),
        })
        .default({ minTrialsRequired: 3, startEpoch: 2 }),
    }),
    z.strictObject({
      /** Li et al. 2020 (ASHA): rungs at minEpochs * eta^k; a trial continues past a rung only in the top 1/eta of the trials that reached it. */
      algorithm: z.literal('asha'),
      settings: z
        .strictObject({
          minEpochs: z.int().min(1).max(1000).default(1),
          reductionFactor: z.int().min(2).max(10).default(3),
        })
        .default({ minEpochs: 1, reductionFactor: 3 }),
    }),
  ])
  .openapi('EarlyStopping');

export type TrainingSchedule = z.output<typeof TrainingScheduleSchema>;
export type TrainEvaluatorSpec = z.output<typeof TrainEvaluatorSchema>;
export type EarlyStoppingSpec = z.output<typeof EarlyStoppingSchema>;
