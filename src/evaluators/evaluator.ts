import type { EvaluatorSpec } from '../search/spec.js';

/** One architecture to measure, with the metrics the search needs from it. */
export interface EvaluationTask {
  readonly space: string;
  /** The space's string form of the architecture. */
  readonly arch: string;
  readonly evaluator: EvaluatorSpec;
  readonly metrics: readonly string[];
}

export interface Evaluation {
  readonly metrics: Readonly<Record<string, number>>;
  /** Training time the measurement cost: simulated for benchmark lookups, measured for real training. */
  readonly costSeconds: number;
}

/**
 * How good an architecture is. Throws `InvalidArchitecture` for an architecture the evaluator cannot
 * measure (a non-retryable trial failure); any other error is treated as retryable.
 */
export interface Evaluator {
  evaluate(task: EvaluationTask): Promise<Evaluation>;
}
