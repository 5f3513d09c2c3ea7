import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { useCpuBackend } from '../../training/backend.js';
import { drawUnseen, scoresByCanonical, SeenCanonicals } from '../history.js';
import type { HistoryEntry } from '../strategy.js';
import { epsilonGreedy } from './actors.js';
import { normalise, observe, scoreScale } from './observation.js';
import type { LoadedPolicy } from './policy-registry.js';

/** Draws of a random unseen start before the space is taken to be exhausted. */
const MAX_START_DRAWS = 1000;

/** The `rl` strategy's state between proposals. */
export interface RlState {
  readonly rng: RngState;
  /** String forms of this episode's architectures, the current one last. */
  readonly episode: readonly string[];
}

export interface PolicyWalkInput<A> {
  readonly space: SearchSpace<A>;
  readonly policy: LoadedPolicy;
  readonly episodeLength: number;
  readonly epsilon: number;
  readonly state: RlState;
  readonly history: readonly HistoryEntry<A>[];
  readonly proposed?: ReadonlySet<string>;
  readonly count: number;
}

/**
 * The `rl` strategy's walk with a trained policy (see rl-strategy.ts): greedy in the policy's Q-values
 * with probability 1 - epsilon, one edit at a time from a random start, restarting after `episodeLength`
 * moves or when every legal move leads somewhere already proposed. In a module of its own because it is
 * the part that needs TensorFlow.js.
 */
export function walkWithPolicy<A>({ space, policy, episodeLength: length, epsilon, state, history, proposed, count }: PolicyWalkInput<A>): { state: RlState; candidates: A[] } {
  useCpuBackend();
  const rng = Rng.fromState(state.rng);
  const seen = SeenCanonicals.of({ history, proposed });
  const scores = scoresByCanonical(history);
  const scale = scoreScale([...scores.values()]);
  const scoreOf = (arch: A) => scores.get(space.canonical(arch));
  let episode = state.episode.map((text) => space.parse(text));
  const candidates: A[] = [];
  const propose = (arch: A) => {
    seen.add(space.canonical(arch));
    candidates.push(arch);
    episode.push(arch);
  };

  while (candidates.length < count) {
    const current = episode.at(-1);
    const moves = current === undefined || episode.length > length ? [] : unseenMoves(space, current, seen);
    if (current === undefined || moves.length === 0) {
      episode = [];
      const [start] = drawUnseen(space, seen, 1, MAX_START_DRAWS, () => space.sample(rng));
      if (start === undefined) break;
      propose(start);
      continue;
    }
    const known = episode.map(scoreOf).filter((s): s is number => s !== undefined);
    const observation = observe(space, current, {
      stepsLeft: (length - (episode.length - 1)) / length,
      best: known.length > 0 ? normalise(Math.max(...known), scale) : 0,
      // A trial still running counts as average.
      current: normalise(scoreOf(current) ?? scale?.mean ?? 0, scale),
    });
    const mask = new Uint8Array(space.actionCount);
    for (const { action } of moves) mask[action] = 1;
    const q = tf.tidy(() => policy.network.forward(tf.tensor2d(observation.features, [1, observation.features.length])).dataSync());
    const action = epsilonGreedy(q, mask, epsilon, rng);
    propose(moves.find((m) => m.action === action)!.next);
  }
  return { state: { rng: rng.state(), episode: episode.map((arch) => space.format(arch)) }, candidates };
}

/** Legal actions from `arch` whose result has not been proposed yet, with that result. */
function unseenMoves<A>(space: SearchSpace<A>, arch: A, seen: SeenCanonicals): { action: number; next: A }[] {
  return space.legalActions(arch).flatMap((legal, action) => {
    if (!legal) return [];
    const next = space.applyAction(arch, action);
    return seen.has(space.canonical(next)) ? [] : [{ action, next }];
  });
}
