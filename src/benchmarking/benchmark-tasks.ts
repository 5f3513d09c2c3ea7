import { loadNb201Table } from '../evaluators/nb201-table.js';
import { nb201TrainingSeconds } from '../evaluators/nb201-training-time.js';
import { nb201Space, type Nb201Cell } from '../spaces/nb201.js';
import type { SearchSpace } from '../spaces/space.js';
import type { SimulatedQuery } from './simulate-search.js';

/**
 * A search-quality task: a space, the metric the search optimises, the metric reported for the incumbent
 * (as the NAS-Bench-201 paper does: select by validation, report test) and an oracle answering both.
 */
export interface BenchmarkTask<A> {
  readonly name: string;
  readonly space: SearchSpace<A>;
  readonly searchMetric: string;
  readonly reportMetric: string;
  /** Best value of `reportMetric` in the whole space, when the benchmark is exhaustive. */
  readonly optimum?: number;
  readonly evaluate: (archs: readonly A[]) => Promise<SimulatedQuery[]>;
}

// Task names stay stable across runs: results files and docs refer to them.
export const TASK_NAMES = ['nb201-cifar10', 'nb201-cifar100', 'nb201-imagenet16', 'nb201-cifar100-oracle'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const NB201_TASKS: Record<TaskName, { search: string; report: string }> = {
  'nb201-cifar10': { search: 'cifar10_valid_12', report: 'cifar10_test_200' },
  'nb201-cifar100': { search: 'cifar100_valid_12', report: 'cifar100_test_200' },
  'nb201-imagenet16': { search: 'imagenet16_valid_12', report: 'imagenet16_test_200' },
  // Searching on the reported metric itself: how many queries until the optimum is found (White et al.).
  'nb201-cifar100-oracle': { search: 'cifar100_test_200', report: 'cifar100_test_200' },
};

export async function loadBenchmarkTask(name: TaskName, benchmarksDir: string): Promise<BenchmarkTask<Nb201Cell>> {
  const { search, report } = NB201_TASKS[name];
  const table = await loadNb201Table(benchmarksDir);
  return {
    name,
    space: nb201Space,
    searchMetric: search,
    reportMetric: report,
    optimum: table.max(report),
    evaluate: async (cells) =>
      cells.map((cell) => {
        const row = table.lookup(nb201Space.format(cell))!;
        return { score: row[search]!, reported: row[report]!, costSeconds: nb201TrainingSeconds(nb201Space.cost(cell), [search]) };
      }),
  };
}
