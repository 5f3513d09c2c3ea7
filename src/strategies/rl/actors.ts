/**
 * Ape-X actors (Horgan et al., ICLR 2018): N epsilon-greedy actors, actor i exploring with
 * epsilon_i = epsilon^(1 + alpha · i / (N - 1)), so that a few explore widely while others nearly follow
 * the greedy policy; each emits n-step transitions for the shared replay.
 *
 * Deviation from Ape-X: the actors run in the learner's thread and step in lockstep, their states sent
 * through the Q-network as one batch and their next architectures scored in one oracle call. On a 2-core
 * machine a worker thread per actor would need its own TensorFlow.js, periodic weight transfers, and would
 * compete with the learner for the same two cores, while a batched forward pass of N states costs little
 * more than one. Different exploration rates, the part that matters to Ape-X, are kept.
 */
import type { Rng } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { NStepAccumulator } from './n-step.js';
import type { Observation, ScoreScale } from './observation.js';
import { maskedArgmax } from './q-network.js';
import { Episode, type ScoreOracle } from './search-env.js';
import type { Transition } from './learner.js';

/** Ape-X's exploration schedule: epsilon 0.4, alpha 7. */
export function apeXEpsilons(actors: number, epsilon = 0.4, alpha = 7): number[] {
  return Array.from({ length: actors }, (_, i) => epsilon ** (1 + (actors === 1 ? 0 : (alpha * i) / (actors - 1))));
}

/** Epsilon-greedy over legal actions: a uniformly random legal action with probability epsilon. */
export function epsilonGreedy(q: ArrayLike<number>, mask: ArrayLike<number>, epsilon: number, rng: Rng): number {
  if (rng.float() < epsilon) {
    const legal: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) legal.push(i);
    return legal.length > 0 ? rng.pick(legal) : -1;
  }
  return maskedArgmax(q, mask);
}

export interface ActorPoolOptions {
  readonly actors: number;
  readonly episodeLength: number;
  readonly nStep: number;
  readonly gamma: number;
}

/** A finished episode: which actor ran it and the best raw score it reached. */
export interface EpisodeSummary {
  readonly actor: number;
  readonly best: number;
}

export class ActorPool<A> {
  readonly epsilons: number[];
  private episodes: Episode<A>[] = [];
  private readonly accumulators: NStepAccumulator<Observation>[];

  constructor(
    readonly space: SearchSpace<A>,
    readonly oracle: ScoreOracle<A>,
    readonly scale: ScoreScale,
    readonly options: ActorPoolOptions,
  ) {
    this.epsilons = apeXEpsilons(options.actors);
    this.accumulators = this.epsilons.map(() => new NStepAccumulator<Observation>(options.nStep, options.gamma));
  }

  /**
   * One step of every actor with `qValues` (row-major [actors, actions]) of their current observations;
   * returns the transitions completed by it and the episodes that ended (truncated at T) and restarted.
   */
  async step(qValues: (observations: Observation[]) => Float32Array, rng: Rng): Promise<{ transitions: Transition[]; finished: EpisodeSummary[] }> {
    if (this.episodes.length === 0) this.episodes = await this.startEpisodes(this.epsilons.map((_, i) => i), rng);
    const observations = this.episodes.map((e) => e.observation());
    const q = qValues(observations);
    const actions = this.space.actionCount;
    const chosen = observations.map((o, i) => epsilonGreedy(q.subarray(i * actions, (i + 1) * actions), o.mask, this.epsilons[i]!, rng));
    const nexts = this.episodes.map((e, i) => this.space.applyAction(e.arch, chosen[i]!));
    const scores = await this.oracle(nexts);
    const transitions: Transition[] = [];
    const finished: EpisodeSummary[] = [];
    this.episodes.forEach((episode, i) => {
      const reward = episode.advance(nexts[i]!, scores[i]!);
      const next = episode.observation();
      transitions.push(...this.accumulators[i]!.push(observations[i]!, chosen[i]!, reward, next));
      if (episode.done) {
        transitions.push(...this.accumulators[i]!.truncate(next));
        finished.push({ actor: i, best: episode.bestScore });
      }
    });
    const restarted = await this.startEpisodes(finished.map((f) => f.actor), rng);
    finished.forEach((f, k) => (this.episodes[f.actor] = restarted[k]!));
    return { transitions, finished };
  }

  private async startEpisodes(actorIndices: readonly number[], rng: Rng): Promise<Episode<A>[]> {
    const starts = actorIndices.map(() => this.space.sample(rng));
    const scores = starts.length > 0 ? await this.oracle(starts) : [];
    return starts.map((arch, k) => new Episode(this.space, this.scale, this.options.episodeLength, arch, scores[k]!));
  }
}
