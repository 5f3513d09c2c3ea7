import { loadImportedTable, type TableShelf } from '../evaluators/imported-table.js';
import { loadNb201Table } from '../evaluators/nb201-table.js';
import { NB301_MAX_EPOCH } from '../evaluators/nb301-metrics.js';
import { loadNb301Surrogate } from '../evaluators/nb301-surrogate.js';
import { dartsSpace, type DartsGenotype } from '../spaces/darts.js';
import { nb201TrainingSeconds } from '../evaluators/nb201-training-time.js';
import { nb201Space, type Nb201Cell } from '../spaces/nb201.js';
import { resolveSpace } from '../spaces/registry.js';
import { restrictToArchitectures } from '../spaces/restricted-space.js';
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
  /**
   * What a search that selects by `searchMetric` reports once it has found the best cell by that metric:
   * the `reportMetric` of the architecture with the best `searchMetric` (a search that measured every cell
   * reports this, not the optimum; one that stops elsewhere may report more or less).
   */
  readonly ceiling?: number;
  /** The benchmark and the metric the search runs on, as a search spec names them (for `auto`). */
  readonly benchmark: string;
  readonly evaluate: (archs: readonly A[]) => Promise<SimulatedQuery[]>;
}

/**
 * Imported `choices` tables our own code builds (`npm run bench:tables`, bench/tables/): each task searches
 * the table of its own name, over the table's rows only, as a search naming that table does.
 */
export const TABLE_TASKS = {
  // NB301-surrogate sub-space: one metric, so the search and the report are the same.
  'choices-nb301-sub': { search: 'val_accuracy', report: 'val_accuracy' },
  // Real MNIST trainings: select by validation, report test.
  'choices-mnist-mlp': { search: 'val_accuracy', report: 'test_accuracy' },
} as const;
export type TableTaskName = keyof typeof TABLE_TASKS;

/** Where `npm run bench:tables` writes the suite's tables and `npm run bench:search` reads them (`NAS_SUITE_TABLES`). */
export const DEFAULT_SUITE_TABLES_DIR = '.cache/tables';

// Task names stay stable across runs: results files and docs refer to them.
const BUILT_IN_TASK_NAMES = ['nb201-cifar10', 'nb201-cifar100', 'nb201-imagenet16', 'nb201-cifar100-oracle', 'nb301'] as const;
/** The tasks a plain `npm run bench:search` runs: those that need no table built first. */
export const DEFAULT_TASK_NAMES: readonly string[] = BUILT_IN_TASK_NAMES;
export const TASK_NAMES = [...BUILT_IN_TASK_NAMES, ...(Object.keys(TABLE_TASKS) as TableTaskName[])] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const NB201_TASKS: Record<Exclude<(typeof BUILT_IN_TASK_NAMES)[number], 'nb301'>, { search: string; report: string }> = {
  'nb201-cifar10': { search: 'cifar10_valid_12', report: 'cifar10_test_200' },
  'nb201-cifar100': { search: 'cifar100_valid_12', report: 'cifar100_test_200' },
  'nb201-imagenet16': { search: 'imagenet16_valid_12', report: 'imagenet16_test_200' },
  // Searching on the reported metric itself: how many queries until the optimum is found (White et al.).
  'nb201-cifar100-oracle': { search: 'cifar100_test_200', report: 'cifar100_test_200' },
};

/** NB301 has no exhaustive table, hence no known optimum: its rows report accuracy, not regret. */
async function loadNb301Task(benchmarksDir: string): Promise<BenchmarkTask<DartsGenotype>> {
  const surrogate = await loadNb301Surrogate(benchmarksDir);
  return {
    name: 'nb301',
    space: dartsSpace,
    searchMetric: 'val_accuracy',
    reportMetric: 'val_accuracy',
    benchmark: 'nb301',
    evaluate: async (genotypes) =>
      (await surrogate.query(genotypes, NB301_MAX_EPOCH)).map((p) => ({
        score: p.valAccuracy * 100,
        reported: p.valAccuracy * 100,
        costSeconds: p.runtimeSeconds,
      })),
  };
}

// Tasks differ in architecture type; the harness only passes architectures between a task's own parts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBenchmarkTask = BenchmarkTask<any>;

/** A task: the built-in ones from `benchmarksDir`, the suite's tables (`TABLE_TASKS`) from the `tables` shelf. */
export function loadBenchmarkTask(name: TaskName, benchmarksDir: string, tables?: TableShelf): Promise<AnyBenchmarkTask> {
  if (name === 'nb301') return loadNb301Task(benchmarksDir);
  if (name in TABLE_TASKS) {
    if (!tables) throw new Error(`task ${name} needs the shelf its table was built on (npm run bench:tables)`);
    return loadTableTask(name as TableTaskName, tables);
  }
  return loadNb201Task(name as keyof typeof NB201_TASKS, benchmarksDir);
}

/**
 * A suite table as a task: the space cut down to the table's rows (what the controller hands a strategy
 * for a search over an imported table), metrics and cost from the rows. Exhaustive, so both the optimum
 * and the validation-selected ceiling are known.
 */
async function loadTableTask(name: TableTaskName, tables: TableShelf): Promise<AnyBenchmarkTask> {
  const { search, report } = TABLE_TASKS[name];
  const table = await loadImportedTable(tables, name, resolveSpace);
  const { space } = table;
  const rows = table.architectures.map((arch) => table.lookup(space.canonical(arch))!);
  const best = rows.reduce((a, b) => (b.metrics[search]! > a.metrics[search]! ? b : a));
  return {
    name,
    space: restrictToArchitectures(space, table.architectures),
    searchMetric: search,
    reportMetric: report,
    benchmark: name,
    optimum: table.max(report),
    ceiling: best.metrics[report]!,
    evaluate: async (archs) =>
      archs.map((arch) => {
        const row = table.lookup(space.canonical(arch));
        if (!row) throw new Error(`${space.format(arch)} is not in table ${name}`);
        return { score: row.metrics[search]!, reported: row.metrics[report]!, costSeconds: row.costSeconds };
      }),
  };
}

async function loadNb201Task(name: keyof typeof NB201_TASKS, benchmarksDir: string): Promise<BenchmarkTask<Nb201Cell>> {
  const { search, report } = NB201_TASKS[name];
  const table = await loadNb201Table(benchmarksDir);
  return {
    name,
    space: nb201Space,
    searchMetric: search,
    reportMetric: report,
    benchmark: 'nb201',
    optimum: table.max(report),
    ceiling: table.valueAtBest(search, report),
    evaluate: async (cells) =>
      cells.map((cell) => {
        const row = table.lookup(nb201Space.format(cell))!;
        return { score: row[search]!, reported: row[report]!, costSeconds: nb201TrainingSeconds(nb201Space.cost(cell), [search]) };
      }),
  };
}
