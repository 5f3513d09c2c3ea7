import type { Rng } from '../random/rng.js';

/** Model size of an architecture: trainable parameters and multiply-accumulates of one forward pass. */
export interface ArchitectureCost {
  readonly params: number;
  readonly flops: number;
}

/** An architecture as nodes and labelled edges, for drawing (dashboard SVG) and for people. */
export interface ArchitectureGraph {
  readonly nodes: readonly { readonly id: string; readonly label: string }[];
  readonly edges: readonly { readonly from: string; readonly to: string; readonly label?: string }[];
}

/**
 * Fixed-length numeric views of an architecture for predictors and the RL agent:
 * `adjacency` is a one-hot encoding of the operations on the cell's possible edges/nodes (and its
 * connectivity where that varies); `path` is the path encoding of White et al. 2021 (BANANAS): one bit
 * per possible input-to-output path, labelled by the operations along it.
 */
export type EncodingKind = 'adjacency' | 'path';

/**
 * What can be built. Pure and seeded: no I/O, every random choice from the given `Rng`.
 *
 * Contract (checked for every space by `test/spaces/contract.test.ts`):
 * - `parse(format(a))` and `parse(toJSON(a))` equal `a`; `parse` throws `InvalidArchitecture` naming the
 *   violated rule for anything that is not a member of the space;
 * - `canonical` maps architectures that compute the same function to the same string (isomorphic
 *   graphs included), so dedupe by `canonical` never evaluates one network twice;
 * - `neighbours(a)` lists every architecture one edit away, each valid, none canonically equal to `a`,
 *   none twice; `mutate(a, rng)` returns one of them;
 * - the edit actions are a fixed numbered set: `legalActions(a)[i]` says whether `applyAction(a, i)` yields
 *   a valid architecture different from `a`;
 * - `encode(a, kind)` has length `encodingLength(kind)` for every `a`.
 */
export interface SearchSpace<A> {
  readonly name: string;
  readonly description: string;
  sample(rng: Rng): A;
  /** Well-known architectures a population-based search starts from (rnn: the RNN, GRU and LSTM), if the space has any. */
  seeds?(): A[];
  parse(value: unknown): A;
  /** The compact string form stored on trials and shown to users. */
  format(a: A): string;
  /** The structured JSON form. */
  toJSON(a: A): unknown;
  canonical(a: A): string;
  cost(a: A): ArchitectureCost;
  neighbours(a: A): A[];
  mutate(a: A, rng: Rng): A;
  /** Size of the fixed edit-action set. */
  readonly actionCount: number;
  /** A short human-readable name of action `i`, e.g. `edge 2->3 := nor_conv_3x3`. */
  actionLabel(action: number): string;
  legalActions(a: A): boolean[];
  /** Applies a legal action; throws `InvalidArchitecture` for an illegal one. */
  applyAction(a: A, action: number): A;
  encode(a: A, kind: EncodingKind): number[];
  encodingLength(kind: EncodingKind): number;
  graph(a: A): ArchitectureGraph;
}
