import { InvalidArchitecture, InvalidRequest } from '../errors.js';
import { evaluationTaskOf, type Evaluator } from '../evaluators/evaluator.js';
import { architectureMetrics } from '../jobs/run-trial.js';
import { searchMetrics } from '../search/metrics.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { moveTrial } from '../search/states.js';

/**
 * Evaluation by cost class (issue #18): a benchmark answer (an NB201 table row, the NB301 surrogate, an
 * imported table) takes microseconds, so the controller computes it in-process rather than paying a job
 * (a child process locally, an AWS Batch task in the cloud) for it. Only real training runs as a job.
 */
export interface InProcessEvaluation {
  /** The evaluator the controller calls itself. */
  readonly evaluator: Evaluator;
  /**
   * Evaluator kinds answered in-process.
   * @default ['benchmark']
   */
  readonly kinds?: readonly EvaluatorSpec['kind'][];
  /**
   * Real seconds to wait per simulated training second (0: none), as the job does: lets a benchmark
   * search unfold at a watchable pace in the dashboard and in restart tests.
   * @default 0
   */
  readonly simulatedTimeScale?: number;
  /**
   * How long one tick keeps evaluating batches of one search before it hands the search back (the local
   * bus ticks it again at once; the controller Lambda loops while its time allows), so that a stop request
   * or another search's event is not kept waiting.
   * @default 1000
   */
  readonly sliceMs?: number;
  /** Shared by the searches of one process; without it every search evaluates whenever it is ticked. */
  readonly turns?: EvaluationTurns;
  /**
   * The most trials one round evaluates (in waves of `parallelTrialCount`) before it saves them: one write
   * of the search record (which carries them until they are written) and one batched write per 25 trials.
   * Bounds the record's size and the work a lost race redoes.
   * @default 48
   */
  readonly roundTrials?: number;
  /**
   * How long one round keeps adding waves before it saves them, so that the search's progress stays fresh
   * for its readers (a wave that waits out simulated time is its round's only one).
   * @default 50
   */
  readonly roundMs?: number;
}

export const DEFAULT_SLICE_MS = 1000;
export const DEFAULT_ROUND_TRIALS = 48;
export const DEFAULT_ROUND_MS = 50;

/** Whether a round that has evaluated `evaluated` trials since `roundStarted` may run another wave before saving. */
export function anotherWave(evaluation: InProcessEvaluation, evaluated: number, roundStarted: number): boolean {
  return evaluated < (evaluation.roundTrials ?? DEFAULT_ROUND_TRIALS) && Date.now() - roundStarted < (evaluation.roundMs ?? DEFAULT_ROUND_MS);
}

/**
 * At most `limit` searches evaluate in-process at a time in this process: the rest wait their turn, so that
 * a few hundred trials a second leave room on the event loop for the API's reads (a queue of every
 * search's store calls would sit in front of each read otherwise).
 */
export class EvaluationTurns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(): Promise<() => void> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}

export function evaluatesInProcess(evaluation: InProcessEvaluation | undefined, search: SearchRecord): evaluation is InProcessEvaluation {
  return evaluation !== undefined && (evaluation.kinds ?? ['benchmark']).includes(search.spec.evaluator.kind);
}

/** Failures that would repeat on every retry: the architecture or the spec is wrong. */
function isPermanent(error: unknown): error is Error {
  return error instanceof InvalidArchitecture || error instanceof InvalidRequest;
}

/**
 * Evaluates a new (PENDING) trial and returns it finished, moved through the trial state machine as a job
 * would move it (`claim`, then `succeed`, `reject` for an architecture the evaluator refuses, or `failJob`
 * for any other error). Writes nothing: the controller folds the result into the search record and writes
 * the trial after it.
 */
export async function evaluateInProcess(evaluator: Evaluator, search: SearchRecord, trial: TrialRecord, now: () => string): Promise<TrialRecord> {
  const startedAt = now();
  const running = { ...moveTrial(trial, 'claim'), startedAt, updatedAt: startedAt };
  try {
    const wanted = searchMetrics(search.spec);
    const measured = await evaluator.evaluate(evaluationTaskOf(search.spec, trial.arch));
    const finishedAt = now();
    const metrics = { ...measured.metrics, ...architectureMetrics(search.spec, trial.arch, wanted) };
    return { ...moveTrial(running, 'succeed'), metrics, costSeconds: measured.costSeconds, finishedAt, updatedAt: finishedAt };
  } catch (error) {
    const finishedAt = now();
    const message = error instanceof Error ? error.message : String(error);
    const outcome = isPermanent(error) ? moveTrial(running, 'reject') : moveTrial(running, 'failJob');
    return { ...outcome, error: { message, retryable: !isPermanent(error) }, finishedAt, updatedAt: finishedAt };
  }
}
