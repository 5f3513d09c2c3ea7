import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';

export interface RunSpec {
  readonly task: TaskName;
  /** A registered strategy name, `rl@<policy>` for the rl strategy with a named policy, or `name{json params}`. */
  readonly strategy: string;
  readonly seed: number;
}

/**
 * The registered strategy and its params behind a `RunSpec.strategy`: `rl@<policy>` picks a policy,
 * `predictor-guided{"refitEvery":5}` sets params (validated by the strategy's own schema).
 */
export function strategyOf(spec: string): { name: string; params: Record<string, unknown> } {
  const brace = spec.indexOf('{');
  if (brace >= 0) return { name: spec.slice(0, brace), params: JSON.parse(spec.slice(brace)) as Record<string, unknown> };
  const [name = spec, policy] = spec.split('@');
  return { name, params: policy === undefined ? {} : { policy } };
}

/** `--strategies` split at the commas outside a variant's `{json params}`. */
export function splitStrategies(list: string): string[] {
  const specs: string[] = [];
  let depth = 0;
  let start = 0;
  [...list].forEach((char, i) => {
    if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    else if (char === ',' && depth === 0) {
      specs.push(list.slice(start, i));
      start = i + 1;
    }
  });
  return [...specs, list.slice(start)].filter((spec) => spec.length > 0);
}

export interface WorkerInput {
  readonly runs: readonly RunSpec[];
  readonly maxQueries: number;
  readonly benchmarksDir: string;
  /** Where the suite's imported tables are (the `choices-*` tasks); `DEFAULT_SUITE_TABLES_DIR` when absent. */
  readonly tablesDir?: string;
  /** An artifact store folder where strategies find learned artifacts (RL policies), besides the shipped ones. */
  readonly artifactsDir?: string;
  /**
   * Trials of an earlier random search of the same task that every run is warm-started from (`IdenticalTask`):
   * they lead the history and are not counted among the run's queries. 0: cold.
   */
  readonly warmStartTrials?: number;
  /** The parent of run `seed` draws its architectures from seed `warmStartSeed + seed`. */
  readonly warmStartSeed?: number;
}

/** One finished run: after each query, the incumbent's score, its reported metric and the seconds spent. */
export interface RunResult extends RunSpec {
  readonly bestScore: number[];
  readonly reported: number[];
  readonly seconds: number[];
  /** Reported value for each task's optimum check (the space's best value), if known. */
  readonly optimum?: number;
  /** The reported value of the architecture with the best search metric: the most a search can report. */
  readonly ceiling?: number;
}
