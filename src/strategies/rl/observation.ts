/**
 * What the agent sees of a search state: the current architecture as tokens plus the search context, and
 * which edit actions are legal. Built the same way during training (`search-env.ts`) and during a search
 * (`rl-strategy.ts`), so a policy sees at search time exactly the inputs it was trained on.
 */
import type { SearchSpace } from '../../spaces/space.js';

/**
 * Width of one token of the space's adjacency encoding: one token per edge (or node input) holding the
 * one-hot operation on it. A space not listed here is read as a single token (the transformer then
 * degenerates to an MLP over the whole encoding).
 */
const TOKEN_WIDTH: Readonly<Record<string, number>> = { nb201: 5, darts: 7 };

/** Context features after the architecture tokens: steps left, best score so far, current score. */
export const CONTEXT_SIZE = 3;

export interface ObservationLayout {
  readonly tokens: number;
  readonly tokenWidth: number;
  readonly contextSize: number;
  readonly actions: number;
}

export function observationLayout(space: SearchSpace<unknown>): ObservationLayout {
  const length = space.encodingLength('adjacency');
  const width = TOKEN_WIDTH[space.name] ?? length;
  if (length % width !== 0) throw new RangeError(`${space.name}: encoding length ${length} is not a multiple of token width ${width}`);
  return { tokens: length / width, tokenWidth: width, contextSize: CONTEXT_SIZE, actions: space.actionCount };
}

/** Features (tokens, then context) and the legal-action mask of one state. */
export interface Observation {
  readonly features: Float32Array;
  readonly mask: Uint8Array;
}

/** Search context, scores already normalised (see `ScoreScale`). */
export interface SearchContext {
  /** Steps left in the episode, as a fraction of its length T. */
  readonly stepsLeft: number;
  readonly best: number;
  readonly current: number;
}

export function observe<A>(space: SearchSpace<A>, arch: A, context: SearchContext): Observation {
  const encoding = space.encode(arch, 'adjacency');
  const features = new Float32Array(encoding.length + CONTEXT_SIZE);
  features.set(encoding);
  features.set([context.stepsLeft, context.best, context.current], encoding.length);
  return { features, mask: Uint8Array.from(space.legalActions(arch), (legal) => (legal ? 1 : 0)) };
}

/**
 * Scores as z-scores (per benchmark and metric): accuracies on CIFAR-10 and ImageNet16-120 differ by 40
 * points, their rankings much less, so a policy sees comparable rewards and contexts on every dataset.
 */
export interface ScoreScale {
  readonly mean: number;
  readonly std: number;
}

export function scoreScale(scores: readonly number[]): ScoreScale | undefined {
  if (scores.length < 2) return undefined;
  const mean = scores.reduce((sum, s) => sum + s, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((sum, s) => sum + (s - mean) ** 2, 0) / (scores.length - 1));
  return { mean, std: std > 0 ? std : 1 };
}

export function normalise(score: number, scale: ScoreScale | undefined): number {
  return scale === undefined ? 0 : (score - scale.mean) / scale.std;
}
