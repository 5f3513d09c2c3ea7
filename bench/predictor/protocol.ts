import type { EncodingKind } from '../../src/spaces/space.js';

/** One predictor to train and score: `size` training architectures of seed `seed`'s split. */
export interface RunSpec {
  readonly size: number;
  readonly seed: number;
}

export interface WorkerInput {
  readonly runs: readonly RunSpec[];
  readonly benchmarksDir: string;
  readonly metric: string;
  readonly encoding: EncodingKind;
  readonly heldOutSize: number;
  /** The largest training size: every seed's split draws this many training candidates, so sizes nest. */
  readonly poolSize: number;
}

export interface RunResult extends RunSpec {
  readonly spearman: number;
  readonly kendallTau: number;
  readonly trainSeconds: number;
}
