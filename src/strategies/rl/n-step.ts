/**
 * n-step transitions (Sutton 1988; Ape-X uses n = 3) for an MDP that never terminates: episodes only end
 * because a search stops after T steps, so the last transitions of an episode bootstrap from the state at
 * truncation instead of treating it as terminal (partial episode bootstrapping, Pardo et al., "Time Limits
 * in Reinforcement Learning", ICML 2018).
 */

/** One n-step transition: from `state` by `action`, `reward` summed over up to n steps, then `discount` · max Q(`next`). */
export interface NStepTransition<S> {
  readonly state: S;
  readonly action: number;
  /** sum_{k<m} gamma^k r_{t+k}, over the m <= n steps that happened. */
  readonly reward: number;
  readonly next: S;
  /** gamma^m: never 0, since no state is terminal. */
  readonly discount: number;
}

/**
 * Collects one actor's steps and emits each n-step transition once its n rewards are known, and the
 * remaining shorter ones when the episode is truncated.
 */
export class NStepAccumulator<S> {
  private readonly pending: { state: S; action: number; reward: number }[] = [];

  constructor(
    readonly n: number,
    readonly gamma: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  }

  /** Records the step state --action--> next with `reward`; returns the transition that became complete, if any. */
  push(state: S, action: number, reward: number, next: S): NStepTransition<S>[] {
    this.pending.push({ state, action, reward });
    if (this.pending.length < this.n) return [];
    return [this.emitOldest(next)];
  }

  /** Ends the episode at `last` (time limit): every pending step bootstraps from it with its shorter horizon. */
  truncate(last: S): NStepTransition<S>[] {
    const transitions: NStepTransition<S>[] = [];
    while (this.pending.length > 0) transitions.push(this.emitOldest(last));
    return transitions;
  }

  private emitOldest(next: S): NStepTransition<S> {
    let reward = 0;
    let discount = 1;
    for (const step of this.pending) {
      reward += discount * step.reward;
      discount *= this.gamma;
    }
    const { state, action } = this.pending.shift()!;
    return { state, action, reward, next, discount };
  }
}
