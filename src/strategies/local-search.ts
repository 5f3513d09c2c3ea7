import { z } from 'zod';
import { Rng, type RngState } from '../random/rng.js';
import { pendingSet, scoresByCanonical, SeenCanonicals } from './history.js';
import type { Strategy } from './strategy.js';

/**
 * Local search, as in White, Nolen, Savani, "Exploring the Loss Landscape in Neural Architecture Search"
 * (UAI 2021; "Local Search is State of the Art for NAS Benchmarks", 2020), Algorithm 1: start from a
 * random architecture, evaluate all its neighbours, move to the best one if it improves on the
 * incumbent, and restart from a random architecture at a local optimum.
 *
 * Asynchronous deviation: the move is decided once every neighbour of the incumbent has finished, so with
 * parallel trials the strategy may return fewer candidates than asked while it waits. Neighbours already
 * evaluated earlier in the search count with their recorded score and are not evaluated again.
 */
const params = z.strictObject({});
type LocalSearchParams = z.infer<typeof params>;
interface LocalSearchState {
  readonly rng: RngState;
  /** String form of the incumbent, once chosen. */
  readonly incumbent?: string;
  /** Neighbours of the incumbent still to propose, in a shuffled order. */
  readonly frontier: readonly string[];
}

const MAX_RESTARTS_PER_CANDIDATE = 100;

export const localSearch: Strategy<LocalSearchParams, LocalSearchState> = {
  name: 'local-search',
  description: 'Best-improvement local search over one-edit neighbours with random restarts (White et al. 2020)',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state(), frontier: [] }),
  propose({ space, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = SeenCanonicals.of({ history, proposed });
    // Scores and pending trials are read from the history only when a move is decided, once per neighbourhood.
    let outcomes: { scores: Map<string, number>; pending: Set<string> } | undefined;
    const outcomesOf = () => (outcomes ??= { scores: scoresByCanonical(history), pending: pendingSet(history) });
    let incumbent = state.incumbent === undefined ? undefined : space.parse(state.incumbent);
    let frontier = state.frontier.map((arch) => space.parse(arch));
    const candidates: ReturnType<typeof space.sample>[] = [];

    const restart = () => {
      incumbent = undefined;
      frontier = [];
    };
    for (let restarts = 0; candidates.length < count && restarts < count * MAX_RESTARTS_PER_CANDIDATE; ) {
      if (incumbent === undefined) {
        restarts++;
        const start = space.sample(rng);
        if (seen.has(space.canonical(start))) continue;
        seen.add(space.canonical(start));
        candidates.push(start);
        incumbent = start;
        frontier = rng.shuffle(space.neighbours(start));
        continue;
      }
      const next = frontier.find((n) => !seen.has(space.canonical(n)));
      if (next !== undefined) {
        frontier = frontier.slice(frontier.indexOf(next) + 1);
        seen.add(space.canonical(next));
        candidates.push(next);
        continue;
      }
      // Every neighbour is proposed: move once they (and the incumbent) have finished.
      const neighbourhood = [incumbent, ...space.neighbours(incumbent)].map((a) => space.canonical(a));
      const proposedNow = new Set(candidates.map((c) => space.canonical(c)));
      const { scores, pending } = outcomesOf();
      if (neighbourhood.some((canonical) => pending.has(canonical) || proposedNow.has(canonical))) break;
      const incumbentScore = scores.get(neighbourhood[0]!) ?? -Infinity;
      const best = space
        .neighbours(incumbent)
        .map((arch) => ({ arch, score: scores.get(space.canonical(arch)) ?? -Infinity }))
        // An incumbent without neighbours (a sparse table's row) is a local optimum: restart.
        .reduce((a, b) => (b.score > a.score ? b : a), { arch: incumbent, score: -Infinity });
      if (best.score > incumbentScore) {
        incumbent = best.arch;
        frontier = rng.shuffle(space.neighbours(best.arch));
      } else {
        restart();
      }
    }
    return {
      state: {
        rng: rng.state(),
        ...(incumbent === undefined ? {} : { incumbent: space.format(incumbent) }),
        frontier: frontier.map((arch) => space.format(arch)),
      },
      candidates,
    };
  },
};
