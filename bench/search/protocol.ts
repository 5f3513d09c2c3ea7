import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';

export interface RunSpec {
  readonly task: TaskName;
  /** A registered strategy name, or `rl@<policy>` for the rl strategy with a named policy. */
  readonly strategy: string;
  readonly seed: number;
}

/** The registered strategy and its params behind a `RunSpec.strategy` (`rl@<policy>` picks a policy). */
export function strategyOf(spec: string): { name: string; params: Record<string, unknown> } {
  const [name = spec, policy] = spec.split('@');
  return { name, params: policy === undefined ? {} : { policy } };
}

export interface WorkerInput {
  readonly runs: readonly RunSpec[];
  readonly maxQueries: number;
  readonly benchmarksDir: string;
  /** An artifact store folder where strategies find learned artifacts (RL policies), besides the shipped ones. */
  readonly artifactsDir?: string;
}

/** One finished run: after each query, the incumbent's score, its reported metric and the seconds spent. */
export interface RunResult extends RunSpec {
  readonly bestScore: number[];
  readonly reported: number[];
  readonly seconds: number[];
  /** Reported value for each task's optimum check (the space's best value), if known. */
  readonly optimum?: number;
}
