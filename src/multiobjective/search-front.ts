import { orientedScores } from '../search/summaries.js';
import type { TrialLedger, TrialRecord } from '../search/records.js';
import type { Objective } from '../search/spec.js';
import { hypervolume, nonDominatedSort } from './pareto.js';

export interface SearchFront {
  /** The non-dominated succeeded trials, best first by the first objective. */
  readonly trials: TrialRecord[];
  /** In each objective's own units. */
  readonly referencePoint: number[];
  readonly hypervolume: number;
}

/** Orients a value so that larger is better, and back (the map is its own inverse). */
const orient = (value: number, objective: Objective) => (objective.direction === 'maximize' ? value : -value);

/**
 * The Pareto front of a search's succeeded trials and the hypervolume it dominates. Without a given
 * reference point, the default is the worst value seen in each objective, pushed 1% of its range further
 * (so the extremes of the front still count); pass a fixed one to compare searches.
 */
export function searchFront(trials: readonly TrialRecord[], objectives: readonly Objective[], reference?: readonly number[]): SearchFront {
  const scored = trials.flatMap((trial) => {
    const scores = orientedScores(trial, objectives);
    return scores ? [{ trial, scores }] : [];
  });
  const referencePoint =
    reference?.map((value, i) => orient(value, objectives[i]!)) ??
    objectives.map((_, i) => {
      const values = scored.map((s) => s.scores[i]!);
      const [low, high] = [Math.min(...values), Math.max(...values)];
      return values.length === 0 ? 0 : low - Math.max((high - low) * 0.01, 1e-9);
    });
  const points = scored.map((s) => s.scores);
  const front = (nonDominatedSort(points)[0] ?? []).map((i) => scored[i]!).sort((a, b) => b.scores[0]! - a.scores[0]!);
  return {
    trials: front.map((s) => s.trial),
    referencePoint: referencePoint.map((value, i) => orient(value, objectives[i]!)),
    hypervolume: hypervolume(front.map((s) => s.scores), referencePoint),
  };
}

/**
 * The same front from a search record's ledger (`TrialLedger.front`, kept by the controller as trials
 * finish), without reading a single trial: what `/pareto` serves at any search size. Returns the front's
 * trial numbers, best first by the first objective.
 */
export function ledgerFront(
  ledger: Pick<TrialLedger, 'front' | 'bounds'>,
  objectives: readonly Objective[],
  reference?: readonly number[],
): { readonly trialNumbers: number[]; readonly referencePoint: number[]; readonly hypervolume: number } {
  const referencePoint =
    reference?.map((value, i) => orient(value, objectives[i]!)) ??
    objectives.map((_, i) => {
      if (!ledger.bounds) return 0;
      const [low, high] = [ledger.bounds.low[i]!, ledger.bounds.high[i]!];
      return low - Math.max((high - low) * 0.01, 1e-9);
    });
  const front = [...ledger.front].sort((a, b) => b.scores[0]! - a.scores[0]! || a.trialNumber - b.trialNumber);
  return {
    trialNumbers: front.map((point) => point.trialNumber),
    referencePoint: referencePoint.map((value, i) => orient(value, objectives[i]!)),
    hypervolume: hypervolume(front.map((point) => point.scores), referencePoint),
  };
}
