import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';

export interface RunSpec {
  readonly task: TaskName;
  readonly strategy: string;
  readonly seed: number;
}

export interface WorkerInput {
  readonly runs: readonly RunSpec[];
  readonly maxQueries: number;
  readonly benchmarksDir: string;
}

/** One finished run: after each query, the incumbent's score, its reported metric and the seconds spent. */
export interface RunResult extends RunSpec {
  readonly bestScore: number[];
  readonly reported: number[];
  readonly seconds: number[];
  /** Reported value for each task's optimum check (the space's best value), if known. */
  readonly optimum?: number;
}
