import type { Rng } from '../random/rng.js';

/** Model size of an architecture: trainable parameters and multiply-accumulates of one forward pass. */
export interface ArchitectureCost {
  readonly params: number;
  readonly flops: number;
}

/**
 * What can be built. Pure and seeded: no I/O, every random choice from the given `Rng`.
 *
 * Contract: `parse(format(a))` equals `a`; `canonical` maps every architecture that computes the same
 * function to the same string, so that strategies and the controller can dedupe by it.
 */
export interface SearchSpace<A> {
  readonly name: string;
  readonly description: string;
  /** A uniformly random member of the space. */
  sample(rng: Rng): A;
  /** Parses the JSON or string form of an architecture; throws `InvalidArchitecture` naming the rule. */
  parse(value: unknown): A;
  /** The form stored on trials and returned by the API. */
  format(a: A): string;
  canonical(a: A): string;
  cost(a: A): ArchitectureCost;
}
