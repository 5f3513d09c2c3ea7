/**
 * Proportional prioritized experience replay (Schaul et al., "Prioritized Experience Replay", ICLR 2016),
 * as Ape-X uses it (Horgan et al., "Distributed Prioritized Experience Replay", ICLR 2018): transition i is
 * drawn with probability p_i^alpha / sum_k p_k^alpha, and its loss is weighted by the importance-sampling
 * weight (N · P(i))^-beta / max_j w_j. A sum tree makes drawing and updating O(log N); the buffer is a ring
 * that overwrites the oldest transition once full.
 */
import type { Rng } from '../../random/rng.js';

export interface ReplayOptions {
  readonly capacity: number;
  /** How strongly priorities shape sampling (0: uniform). @default 0.6 */
  readonly alpha: number;
  /** How much of the sampling bias the importance weights undo (1: all of it). @default 0.4 */
  readonly beta: number;
}

export const DEFAULT_REPLAY_OPTIONS = { capacity: 50_000, alpha: 0.6, beta: 0.4 } as const satisfies ReplayOptions;

export interface ReplaySample<T> {
  readonly indices: number[];
  readonly items: T[];
  /** Importance-sampling weights, the largest in the batch being 1. */
  readonly weights: number[];
}

/** Priorities are kept strictly positive so that every stored transition can still be drawn. */
const MIN_PRIORITY = 1e-6;

export class PrioritizedReplay<T> {
  private readonly tree: Float64Array;
  /** Same layout as `tree`, holding minima: the largest importance weight needs the smallest probability. */
  private readonly minTree: Float64Array;
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  private maxPriority = 1;

  constructor(readonly options: ReplayOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`replay capacity must be a positive integer, got ${options.capacity}`);
    this.tree = new Float64Array(2 * options.capacity);
    this.minTree = new Float64Array(2 * options.capacity).fill(Infinity);
    this.items = new Array<T | undefined>(options.capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a transition with the given priority (its |TD error|, as Ape-X actors compute it), or the largest seen so far. */
  add(item: T, priority?: number): void {
    const index = this.next;
    this.items[index] = item;
    this.setPriority(index, priority ?? this.maxPriority);
    this.next = (this.next + 1) % this.options.capacity;
    this.count = Math.min(this.count + 1, this.options.capacity);
  }

  /** Draws `batchSize` transitions, one from each of `batchSize` equal slices of the total mass (stratified). */
  sample(batchSize: number, rng: Rng): ReplaySample<T> {
    if (this.count === 0) throw new RangeError('cannot sample an empty replay buffer');
    const total = this.tree[1]!;
    const slice = total / batchSize;
    const indices: number[] = [];
    for (let b = 0; b < batchSize; b++) indices.push(this.find(Math.min((b + rng.float()) * slice, total * (1 - 1e-12))));
    const minProbability = this.minTree[1]! / total;
    const maxWeight = (this.count * minProbability) ** -this.options.beta;
    return {
      indices,
      items: indices.map((i) => this.items[i]!),
      weights: indices.map((i) => (this.count * (this.leaf(i) / total)) ** -this.options.beta / maxWeight),
    };
  }

  /** Sets new priorities (|TD error| after a learner step) for sampled transitions. */
  updatePriorities(indices: readonly number[], priorities: readonly number[]): void {
    indices.forEach((index, k) => this.setPriority(index, priorities[k]!));
  }

  /** Sampling probability of the transition stored at `index` (for tests and diagnostics). */
  probability(index: number): number {
    return this.leaf(index) / this.tree[1]!;
  }

  private leaf(index: number): number {
    return this.tree[this.options.capacity + index]!;
  }

  private setPriority(index: number, priority: number): void {
    const p = Math.max(Math.abs(priority), MIN_PRIORITY);
    this.maxPriority = Math.max(this.maxPriority, p);
    let node = this.options.capacity + index;
    this.tree[node] = this.minTree[node] = p ** this.options.alpha;
    for (node >>= 1; node >= 1; node >>= 1) {
      this.tree[node] = this.tree[2 * node]! + this.tree[2 * node + 1]!;
      this.minTree[node] = Math.min(this.minTree[2 * node]!, this.minTree[2 * node + 1]!);
    }
  }

  /** The leaf whose cumulative-mass interval holds `mass`. */
  private find(mass: number): number {
    let node = 1;
    let rest = mass;
    while (node < this.options.capacity) {
      const left = this.tree[2 * node]!;
      if (rest < left) node = 2 * node;
      else {
        rest -= left;
        node = 2 * node + 1;
      }
    }
    return node - this.options.capacity;
  }
}
