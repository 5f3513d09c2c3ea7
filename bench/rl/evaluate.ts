/**
 * Shared by the RL benchmarks: trains a policy into a benchmark artifact folder, and runs strategies
 * (baselines and `rl@<policy>`) through the search benchmark's worker threads with the same seeds as
 * `npm run bench:search`, summarising the incumbent's reported metric after given query counts.
 */
import { join } from 'node:path';
import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { meanWithCi, type MeanWithCi } from '../../src/benchmarking/statistics.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { readConfig } from '../../src/config.js';
import type { PolicyManifest } from '../../src/strategies/rl/policy-registry.js';
import { runTraining } from '../../src/strategies/rl/training-run.js';
import type { TrainingOptionsInput } from '../../src/strategies/rl/training-options.js';
import type { RunResult, RunSpec, WorkerInput } from '../search/protocol.js';
import { runInWorkers } from '../worker-pool.js';

export const QUERY_CHECKPOINTS = [10, 20, 50, 100] as const;

export interface Row {
  readonly task: TaskName;
  readonly strategy: string;
  readonly atQueries: Record<number, MeanWithCi>;
}

/** Trains (from scratch) and publishes `policies/nb201/<name>` in `artifactsDir`; returns its manifest. */
export async function trainNb201Policy(artifactsDir: string, name: string, options: TrainingOptionsInput): Promise<PolicyManifest> {
  const { manifest } = await runTraining({
    store: new DirectoryArtifactStore(artifactsDir),
    benchmarksDir: readConfig().benchmarksDir,
    name,
    space: 'nb201',
    benchmark: 'nb201',
    metric: 'cifar10_valid_12',
    options,
    fresh: true,
  });
  return manifest;
}

export async function evaluate(input: {
  tasks: readonly TaskName[];
  strategies: readonly string[];
  seeds: number;
  maxQueries: number;
  artifactsDir: string;
  workers: number;
}): Promise<Row[]> {
  const runs: RunSpec[] = input.tasks.flatMap((task) => input.strategies.flatMap((strategy) => Array.from({ length: input.seeds }, (_, seed) => ({ task, strategy, seed }))));
  const results = await runInWorkers<RunSpec, RunResult>(new URL('../search/worker.ts', import.meta.url), runs, input.workers, {
    maxQueries: input.maxQueries,
    benchmarksDir: readConfig().benchmarksDir,
    artifactsDir: input.artifactsDir,
  } satisfies Omit<WorkerInput, 'runs'>);
  return input.tasks.flatMap((task) =>
    input.strategies.map((strategy) => {
      const group = results.filter((r) => r.task === task && r.strategy === strategy);
      const atQueries = Object.fromEntries(
        QUERY_CHECKPOINTS.filter((q) => q <= input.maxQueries).map((q) => [q, meanWithCi(group.map((r) => r.reported[Math.min(q, r.reported.length) - 1]!))]),
      );
      return { task, strategy, atQueries };
    }),
  );
}

/** `a` beats `b` when their 95% intervals do not overlap and a's mean is higher. */
export function beats(a: MeanWithCi, b: MeanWithCi): boolean {
  return a.mean - a.ci95 > b.mean + b.ci95;
}

export const fmt = (m: MeanWithCi) => (Number.isFinite(m.ci95) ? `${m.mean.toFixed(2)} ± ${m.ci95.toFixed(2)}` : m.mean.toFixed(2));

/** Rows as a markdown table; a cell is starred when it beats every baseline of its task at that query count. */
export function markdownTable(rows: readonly Row[], baselines: readonly string[]): string {
  const checkpoints = Object.keys(rows[0]!.atQueries).map(Number);
  const star = (row: Row, q: number) => {
    if (baselines.includes(row.strategy)) return '';
    const others = rows.filter((r) => r.task === row.task && baselines.includes(r.strategy));
    return others.length > 0 && others.every((b) => beats(row.atQueries[q]!, b.atQueries[q]!)) ? ' *' : '';
  };
  return [
    `| task | strategy | ${checkpoints.map((q) => `@${q}`).join(' | ')} |`,
    `| --- | --- | ${checkpoints.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.task} | ${row.strategy} | ${checkpoints.map((q) => `${fmt(row.atQueries[q]!)}${star(row, q)}`).join(' | ')} |`),
  ].join('\n');
}

export const defaultOut = (name: string) => join('bench-results', 'rl', name);
