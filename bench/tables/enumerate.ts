import { Rng } from '../../src/random/rng.js';
import type { SearchSpace } from '../../src/spaces/space.js';

/**
 * Every architecture of a small space, in a fixed order: a breadth-first walk over `neighbours` from one
 * sampled architecture. Exhaustive for any space whose edits connect all architectures (a `choices`
 * space does: each active decision can be set to each option), which `expected` double-checks.
 */
export function enumerateSpace<A>(space: SearchSpace<A>, expected: number): A[] {
  const start = space.sample(Rng.fromSeed(0));
  const seen = new Set([space.canonical(start)]);
  const order = [start];
  for (let i = 0; i < order.length; i += 1) {
    for (const next of space.neighbours(order[i]!)) {
      const key = space.canonical(next);
      if (!seen.has(key)) {
        seen.add(key);
        order.push(next);
      }
    }
  }
  if (order.length !== expected) throw new Error(`walked ${order.length} architectures of ${space.name}, expected ${expected}`);
  return order;
}

/** `count` architectures of `all` drawn without replacement by `seed` (all of them when `count` is absent). */
export function subsetOf<A>(all: readonly A[], count: number | undefined, seed: number): A[] {
  if (count === undefined || count >= all.length) return [...all];
  const rng = Rng.fromSeed(seed);
  const pool = [...all];
  // A partial Fisher-Yates shuffle: the first `count` places are a uniform sample.
  for (let i = 0; i < count; i += 1) {
    const j = rng.int(i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}
