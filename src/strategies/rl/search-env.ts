/**
 * The search MDP the agent is trained in. State: the current architecture and the search context (steps
 * left, best and current score, normalised per benchmark); actions: the space's fixed edit actions,
 * masked to the legal ones; reward: the normalised score of the architecture an action reaches. An
 * episode starts at a random architecture and is truncated after T steps (not terminal: see `n-step.ts`).
 */
import type { Rng } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { normalise, observe, scoreScale, type Observation, type ScoreScale } from './observation.js';

/** Scores (larger is better) of architectures, in order; a benchmark table or surrogate answers it. */
export type ScoreOracle<A> = (archs: readonly A[]) => Promise<number[]>;

/** Asks the oracle once per canonical architecture: episodes revisit cells often and surrogates are not free. */
export function cachedOracle<A>(space: SearchSpace<A>, oracle: ScoreOracle<A>): ScoreOracle<A> {
  const cache = new Map<string, number>();
  return async (archs) => {
    const keys = archs.map((a) => space.canonical(a));
    const missing = new Map<string, A>();
    archs.forEach((a, i) => cache.has(keys[i]!) || missing.set(keys[i]!, a));
    const scores = missing.size > 0 ? await oracle([...missing.values()]) : [];
    [...missing.keys()].forEach((key, i) => cache.set(key, scores[i]!));
    return keys.map((k) => cache.get(k)!);
  };
}

/** The benchmark's score scale, from `samples` random architectures (the distribution a search starts from). */
export async function estimateScoreScale<A>(space: SearchSpace<A>, oracle: ScoreOracle<A>, samples: number, rng: Rng): Promise<ScoreScale> {
  const archs = Array.from({ length: samples }, () => space.sample(rng));
  return scoreScale(await oracle(archs)) ?? { mean: 0, std: 1 };
}

/** One episode in progress: where the actor stands and what it has seen. */
export class Episode<A> {
  private steps = 0;
  private best: number;

  constructor(
    readonly space: SearchSpace<A>,
    readonly scale: ScoreScale,
    readonly length: number,
    public arch: A,
    public score: number,
  ) {
    this.best = score;
  }

  get done(): boolean {
    return this.steps >= this.length;
  }

  observation(): Observation {
    return observe(this.space, this.arch, {
      stepsLeft: (this.length - this.steps) / this.length,
      best: normalise(this.best, this.scale),
      current: normalise(this.score, this.scale),
    });
  }

  /** Moves to `next` (already scored); returns the reward. */
  advance(next: A, score: number): number {
    this.arch = next;
    this.score = score;
    this.best = Math.max(this.best, score);
    this.steps++;
    return normalise(score, this.scale);
  }

  get bestScore(): number {
    return this.best;
  }
}
