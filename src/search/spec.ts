import { z } from '@hono/zod-openapi';
import { AUTO_STRATEGY, REQUESTABLE_STRATEGY_NAMES, SPACE_NAMES } from './names.js';
import { ContainerEvaluatorSchema } from './container-spec.js';
import { EarlyStoppingSchema, TrainEvaluatorSchema } from './training-spec.js';

/**
 * The search spec a user submits: the single source of truth for validation, TypeScript types and the
 * OpenAPI document. Field names follow Katib / SageMaker AMT where they have one (objectives, budget,
 * maxTrialCount, parallelTrialCount, maxFailedTrialCount). Unknown fields are rejected rather than ignored,
 * so a typo or a not-yet-supported option never silently changes what a paid search does.
 */
export const MAX_TRIAL_COUNT = 10_000;
export const MAX_PARALLEL_TRIALS = 64;
/** Containers a trial may take by default (`budget.maxTrialAttempts`): as many as the job definitions give Spot retries. */
export const DEFAULT_MAX_TRIAL_ATTEMPTS = 3;
export const MAX_TRIAL_ATTEMPTS = 10;

export const ObjectiveSchema = z
  .strictObject({
    metric: z.string().min(1).max(100),
    direction: z.enum(['maximize', 'minimize']),
  })
  .openapi('Objective');

export const StrategySpecSchema = z
  .strictObject({
    /** A strategy, or `auto` (the default): the service picks one and says why in `auto`. */
    name: z.enum(REQUESTABLE_STRATEGY_NAMES),
    params: z.record(z.string(), z.unknown()).default({}),
    /**
     * Pre-screening with the performance predictor, for any strategy: it proposes `factor` times as many
     * candidates as there are free slots, and the predictor's best of them become trials. Inactive until
     * the predictor has enough finished trials of the task to learn from (docs/predictors.md).
     */
    prescreen: z.strictObject({ factor: z.int().min(2).max(50).default(5) }).optional(),
    /** Set by the service, never by a request: the search asked for `auto`, and this is why `name` was chosen. */
    auto: z.strictObject({ reason: z.string().max(1000) }).optional(),
  })
  .openapi('StrategySpec');

export const EvaluatorSpecSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('benchmark'),
      /** A built-in benchmark (`nb201`) or the name of an imported table (GET /v1/catalog lists them). */
      benchmark: z.string().min(1).max(100),
      /** The benchmark's headline metric for this search; defaults to the first objective's metric. */
      metric: z.string().min(1).max(100).optional(),
      /** Training budget per trial, for benchmarks that answer at several (NB301: 1-98 epochs, default 98). */
      fidelity: z.strictObject({ epochs: z.int().min(1).max(10_000) }).optional(),
    }),
    TrainEvaluatorSchema,
    z.strictObject({
      /** The user's own workers train each trial and report its metrics over HTTP (ask/tell, docs/training.md). */
      kind: z.literal('external'),
      /** The metrics workers report; objectives and `metric` name metrics from here (or `params`, `flops`, which the service computes). */
      metrics: z
        .array(z.string().min(1).max(100))
        .min(1)
        .max(20)
        .refine((metrics) => new Set(metrics).size === metrics.length, 'each metric at most once'),
      /** The metric early stopping judges reports by; defaults to the first objective's metric. */
      metric: z.string().min(1).max(100).optional(),
    }),
    ContainerEvaluatorSchema,
  ])
  .openapi('EvaluatorSpec');

export const BudgetSchema = z
  .strictObject({
    maxTrialCount: z.int().min(1).max(MAX_TRIAL_COUNT),
    parallelTrialCount: z.int().min(1).max(MAX_PARALLEL_TRIALS).default(1),
    /** The search fails once this many trials have failed; unlimited when absent. */
    maxFailedTrialCount: z.int().min(0).max(MAX_TRIAL_COUNT).optional(),
    /**
     * A hard cap in dollars: the search is refused if its estimate (on-demand prices) exceeds it; while it runs,
     * trials start only while they fit whole, running ones are killed when the committed spend (every
     * container, with boot, image pull and idle tail) would pass it, and the search ends `BudgetExhausted`
     * (docs/deployment.md, "The hard cap on `maxCostUsd`").
     */
    maxCostUsd: z.number().positive().max(1_000_000).optional(),
    /** Wall-clock seconds for trained trials, simulated training seconds for benchmark trials. */
    maxRuntimeSeconds: z.number().positive().max(365 * 24 * 3600).optional(),
    /**
     * Containers one trial may take: its first, and each retry after a Spot interruption or a job that went
     * silent (`STALE`). Past it the trial is FAILED with the reason, and `maxFailedTrialCount` applies.
     * Absent means `DEFAULT_MAX_TRIAL_ATTEMPTS` (3), also for searches stored before the field existed
     * (`maxTrialAttemptsOf` in `attempts.ts` reads it).
     */
    maxTrialAttempts: z.int().min(1).max(MAX_TRIAL_ATTEMPTS).optional(),
  })
  .openapi('Budget');

/**
 * Warm start, named as Katib names it: a search learns from earlier searches of the same space.
 * - `IdenticalTask`: the parents measured the same thing (same evaluator). Their finished trials join the
 *   strategy's history (and so the predictor's training data), and none of their architectures is
 *   evaluated again.
 * - `TransferLearning`: the parents measured something related (another dataset or benchmark metric of the
 *   same space). Their `seeds` best architectures are this search's first trials, measured on this task;
 *   the strategy then continues from them.
 */
export const WarmStartSchema = z
  .strictObject({
    parentSearches: z.array(z.string().min(1).max(64)).min(1).max(10),
    type: z.enum(['IdenticalTask', 'TransferLearning']),
    /** `TransferLearning`: how many of the parents' best architectures to measure first. */
    seeds: z.int().min(1).max(100).default(10),
  })
  .openapi('WarmStart');
export type WarmStart = z.output<typeof WarmStartSchema>;

export const SearchSpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    space: z.enum(SPACE_NAMES),
    /** The declaration of a space defined in the request (`choices`); fixed spaces take none. */
    spaceConfig: z.unknown().optional(),
    /** The first objective ranks the best trial; all of them span the Pareto front. */
    objectives: z
      .array(ObjectiveSchema)
      .min(1)
      .max(4)
      .refine((objectives) => new Set(objectives.map((o) => o.metric)).size === objectives.length, 'each metric at most once'),
    /** @default {"name": "auto"} */
    strategy: StrategySpecSchema.prefault({ name: AUTO_STRATEGY }),
    evaluator: EvaluatorSpecSchema,
    budget: BudgetSchema,
    /** Stops unpromising trials from their learning curves (`train` epochs, `external` workers' reports). */
    earlyStopping: EarlyStoppingSchema.optional(),
    /** Learn from earlier searches of the same space (docs/strategies.md#warm-start). */
    warmStart: WarmStartSchema.optional(),
    /** Makes the search repeatable; a random seed is chosen and recorded when absent. */
    seed: z.int().min(0).max(2 ** 31 - 1).optional(),
  })
  .openapi('SearchSpec');

export type SearchSpecInput = z.input<typeof SearchSpecSchema>;

/** A complete spec: 100 random NB201 cells ranked by CIFAR-10 test accuracy. */
export const EXAMPLE_SEARCH_SPEC = {
  space: 'nb201',
  objectives: [{ metric: 'cifar10_test_200', direction: 'maximize' }],
  strategy: { name: 'random' },
  evaluator: { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_test_200' },
  budget: { maxTrialCount: 100, parallelTrialCount: 8 },
  seed: 7,
} as const satisfies SearchSpecInput;
SearchSpecSchema.openapi({ example: EXAMPLE_SEARCH_SPEC });
export type SearchSpec = z.output<typeof SearchSpecSchema> & { readonly seed: number };
export type Objective = z.output<typeof ObjectiveSchema>;
export type EvaluatorSpec = z.output<typeof EvaluatorSpecSchema>;
export type Budget = z.output<typeof BudgetSchema>;
