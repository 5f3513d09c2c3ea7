import type { z } from 'zod';
import type { SearchSpace } from '../spaces/space.js';
import type { TrialStatus } from '../search/states.js';
import type { PolicyRegistry } from './rl/policy-registry.js';

/** What a strategy sees of one trial: its architecture and, once finished, its objective value. */
export interface HistoryEntry<A> {
  readonly arch: A;
  readonly canonical: string;
  readonly status: TrialStatus;
  /** The first objective's value, oriented so that larger is better; absent until the trial succeeded. */
  readonly score?: number;
  /** Every objective's value, each oriented so that larger is better (multi-objective strategies). */
  readonly scores?: readonly number[];
}

export interface ProposeInput<A, P, S> {
  readonly space: SearchSpace<A>;
  readonly params: P;
  readonly state: S;
  /** Every trial of the search so far, in trial-number order, including those still running. */
  readonly history: readonly HistoryEntry<A>[];
  /**
   * The canonical forms of `history`'s entries, where the caller keeps them between proposals (the
   * controller does), so that a proposal costs no scan of the history; derived from `history` when absent.
   */
  readonly proposed?: ReadonlySet<string>;
  /** How many new candidates the controller has room for. */
  readonly count: number;
  /** Trained search policies a strategy may run on (`rl`), looked up in this order; absent where none are. */
  readonly policies?: readonly PolicyRegistry[];
}

export interface StrategyCheckInput<A, P> {
  readonly space: SearchSpace<A>;
  readonly params: P;
  /** The policy registries the controller will hand `propose`; absent where the caller cannot consult them. */
  readonly policies?: readonly PolicyRegistry[];
}

export interface Proposal<A, S> {
  readonly state: S;
  readonly candidates: A[];
  /** Lineage: for each candidate, the index in `history` of the trial it was derived from, if any. */
  readonly parents?: readonly (number | undefined)[];
}

/**
 * What to try next. Resumable by construction: all memory lives in `state` (plain JSON, RNG state
 * included) and in the history the controller passes in, so the same object runs in a benchmark harness,
 * the local controller or a stateless Lambda, and a restarted service continues where it was.
 *
 * Contract: `propose` never mutates its input, returns at most `count` candidates, none of whose canonical
 * forms appear in `history` or twice in the result; fewer than `count` means the strategy has nothing more
 * to offer right now.
 */
export interface Strategy<P, S> {
  readonly name: string;
  readonly description: string;
  /** Validates `strategy.params` of a search spec. */
  readonly params: z.ZodType<P>;
  init(params: P, seed: number): S;
  /**
   * Checks at creation what the params schema cannot, with the adapters the strategy will be handed (`rl`:
   * that a named policy exists for the space and fits it). Throws `InvalidRequest` naming the field.
   * Optional: strategies without one accept every params their schema accepts.
   */
  check?<A>(input: StrategyCheckInput<A, P>): Promise<void>;
  /** May return a promise: a strategy that runs on a learned artifact loads it on first use. */
  propose<A>(input: ProposeInput<A, P, S>): Proposal<A, S> | Promise<Proposal<A, S>>;
}
