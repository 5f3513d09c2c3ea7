import { orientedScores } from '../../search/summaries.js';
import { searchFront } from '../../multiobjective/search-front.js';
import type { TrialRecord } from '../../search/records.js';
import type { Objective } from '../../search/spec.js';
import type { Point } from './search-progress.js';

export interface ScatterPoint extends Point {
  readonly trialNumber: number;
}

/**
 * A multi-objective search as the dashboard plots it: every succeeded trial over two objectives, split into
 * the Pareto front (over *all* objectives, as `GET /v1/searches/{id}/pareto` reports it) and the rest.
 */
export interface ParetoScatter {
  /** The first objective, on the vertical axis like the value of the progress charts. */
  readonly yObjective: Objective;
  /** The second objective, on the horizontal axis. */
  readonly xObjective: Objective;
  /** Objectives beyond the first two: they decide the front but are not drawn. */
  readonly unplotted: readonly Objective[];
  /** Non-dominated trials, best first by the first objective. */
  readonly front: readonly ScatterPoint[];
  readonly dominated: readonly ScatterPoint[];
  /**
   * The boundary of the region the front dominates, through the front's points (its attainment surface);
   * empty with more than two objectives, where the projection of the front is no staircase.
   */
  readonly staircase: readonly Point[];
  /** The front's trials, in the order of `front`, for the table beside the plot. */
  readonly frontTrials: readonly TrialRecord[];
  readonly hypervolume: number;
  /** In each objective's own units. */
  readonly referencePoint: readonly number[];
}

/**
 * Corners of the region dominated by a two-objective front: from each point straight towards the next
 * point's value of the vertical objective, then across to that point. Works in the objectives' own units;
 * the sort is by how good the horizontal objective is, so either direction of each objective works.
 */
export function frontStaircase(front: readonly Point[], xObjective: Objective): Point[] {
  const better = xObjective.direction === 'maximize' ? 1 : -1;
  const sorted = [...front].sort((a, b) => better * (a.x - b.x));
  return sorted.flatMap((point, i) => (i === 0 ? [point] : [{ x: sorted[i - 1]!.x, y: point.y }, point]));
}

/** The scatter of a search with at least two objectives; `undefined` for a single-objective search. */
export function paretoScatter(trials: readonly TrialRecord[], objectives: readonly Objective[]): ParetoScatter | undefined {
  const [yObjective, xObjective, ...unplotted] = objectives;
  if (!yObjective || !xObjective) return undefined;
  const result = searchFront(trials, objectives);
  const onFront = new Set(result.trials.map((trial) => trial.number));
  const pointOf = (trial: TrialRecord): ScatterPoint => ({
    x: trial.metrics![xObjective.metric]!,
    y: trial.metrics![yObjective.metric]!,
    trialNumber: trial.number,
  });
  const front = result.trials.map(pointOf);
  return {
    yObjective,
    xObjective,
    unplotted,
    front,
    // Succeeded trials with every objective's value: the ones the front was chosen from.
    dominated: trials.filter((t) => !onFront.has(t.number) && orientedScores(t, objectives)).map(pointOf),
    staircase: unplotted.length === 0 ? frontStaircase(front, xObjective) : [],
    frontTrials: result.trials,
    hypervolume: result.hypervolume,
    referencePoint: result.referencePoint,
  };
}
