import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import type { SearchSpace } from '../spaces/space.js';
import type { AnyStrategy } from '../strategies/registry.js';
import type { HistoryEntry } from '../strategies/strategy.js';

/** One measured query of a simulated search. */
export interface SimulatedQuery {
  /** The (first) search objective, oriented so that larger is better. */
  readonly score: number;
  /** Every objective, oriented so that larger is better, for multi-objective searches. */
  readonly scores?: readonly number[];
  /** What is reported for the incumbent (e.g. 200-epoch test accuracy when searching on validation). */
  readonly reported: number;
  readonly costSeconds: number;
}

export interface SimulationOptions<A> {
  readonly space: SearchSpace<A>;
  readonly strategy: AnyStrategy;
  readonly params: unknown;
  readonly seed: number;
  readonly maxQueries: number;
  /** Stop once this much simulated training time is spent (the query that crosses it still counts). */
  readonly maxSeconds?: number;
  readonly evaluate: (archs: readonly A[]) => Promise<SimulatedQuery[]>;
  /** Trained search policies a strategy may run on (`rl`), looked up in this order. */
  readonly policies?: readonly PolicyRegistry[];
  /** Warm start as the controller does it (src/search/warm-start.ts): `IdenticalTask` parents' entries lead the history... */
  readonly prior?: readonly HistoryEntry<A>[];
  /** ...and `TransferLearning` seeds are measured first, in order. */
  readonly seeds?: readonly A[];
}

/** After each query: the incumbent (best score so far) and what it reports, and the time spent so far. */
export interface TrajectoryPoint {
  readonly bestScore: number;
  readonly reported: number;
  readonly seconds: number;
  readonly arch: string;
}

/**
 * Runs a strategy against an oracle one query at a time, exactly as the controller would with
 * `parallelTrialCount: 1`: propose, evaluate, append to the history. Pure given the oracle, so a seed
 * always gives the same trajectory.
 */
export async function simulateSearch<A>(options: SimulationOptions<A>): Promise<TrajectoryPoint[]> {
  const { space, strategy, params, maxQueries } = options;
  let state: unknown = strategy.init(params, options.seed);
  const history: HistoryEntry<A>[] = [];
  const trajectory: TrajectoryPoint[] = [];
  let seconds = 0;
  while (trajectory.length < maxQueries && (options.maxSeconds === undefined || seconds < options.maxSeconds)) {
    const tried = new Set(history.map((entry) => entry.canonical));
    const seed = options.seeds?.find((candidate) => !tried.has(space.canonical(candidate)));
    const proposal = seed
      ? { state, candidates: [seed] }
      : await strategy.propose({ space, params, state, history: [...(options.prior ?? []), ...history], count: 1, ...(options.policies ? { policies: options.policies } : {}) });
    state = proposal.state;
    const arch = proposal.candidates[0];
    if (arch === undefined) break;
    const [query] = await options.evaluate([arch]);
    seconds += query!.costSeconds;
    history.push({ arch, canonical: space.canonical(arch), status: 'SUCCEEDED', score: query!.score, scores: query!.scores ?? [query!.score] });
    const previous = trajectory.at(-1);
    trajectory.push(
      previous && previous.bestScore >= query!.score
        ? { ...previous, seconds }
        : { bestScore: query!.score, reported: query!.reported, seconds, arch: space.format(arch) },
    );
  }
  return trajectory;
}
