import { InvalidArchitecture } from '../errors.js';
import { dartsSpace } from '../spaces/darts.js';
import { nb201Space } from '../spaces/nb201.js';
import type { BenchmarkCatalog } from './benchmarks.js';
import type { Evaluation, EvaluationTask as AnyEvaluationTask, Evaluator } from './evaluator.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { loadNb201Table, type Nb201Table } from './nb201-table.js';
import { NB301_MAX_EPOCH } from './nb301-metrics.js';
import { loadNb301Surrogate } from './nb301-surrogate.js';
import { nb201TrainingSeconds } from './nb201-training-time.js';

type BenchmarkEvaluatorSpec = Extract<EvaluatorSpec, { kind: 'benchmark' }>;
type EvaluationTask = AnyEvaluationTask<BenchmarkEvaluatorSpec>;

/**
 * The `benchmark` evaluator: answers a trial from a precomputed table instead of training, and charges the
 * simulated training time of the measurement. Tables are loaded once per process, on first use.
 */
export function createBenchmarkEvaluator(catalog: BenchmarkCatalog): Evaluator<BenchmarkEvaluatorSpec> & { warm(): Promise<void> } {
  const { benchmarksDir } = catalog;
  let nb201: Promise<Nb201Table> | undefined;

  async function evaluateNb201(task: EvaluationTask): Promise<Evaluation> {
    nb201 ??= loadNb201Table(benchmarksDir);
    // A failed load must not be cached: the file may appear once the operator fixes the path.
    const table = await nb201.catch((error: unknown) => {
      nb201 = undefined;
      throw error;
    });
    const cell = nb201Space.parse(task.arch);
    const row = table.lookup(nb201Space.format(cell));
    if (!row) throw new InvalidArchitecture('nb201.table', `architecture ${task.arch} is not in the NB201 table`);
    const metrics = Object.fromEntries(task.metrics.map((metric) => [metric, row[metric]!]));
    return { metrics, costSeconds: nb201TrainingSeconds(nb201Space.cost(cell), task.metrics) };
  }

  async function evaluateImported(task: EvaluationTask): Promise<Evaluation> {
    const table = await catalog.importedTable(task.evaluator.benchmark);
    const row = table.lookup(table.space.canonical(table.space.parse(task.arch)));
    if (!row) throw new InvalidArchitecture('table', `architecture ${task.arch} is not in table '${table.name}'`);
    const metrics = Object.fromEntries(task.metrics.map((metric) => [metric, row.metrics[metric]!]));
    return { metrics, costSeconds: row.costSeconds };
  }

  async function evaluateNb301(task: EvaluationTask): Promise<Evaluation> {
    const surrogate = await loadNb301Surrogate(benchmarksDir);
    const epochs = task.evaluator.fidelity?.epochs ?? NB301_MAX_EPOCH;
    const [prediction] = await surrogate.query([dartsSpace.parse(task.arch)], epochs);
    const values: Record<string, number> = { val_accuracy: prediction!.valAccuracy * 100, train_seconds: prediction!.runtimeSeconds };
    const metrics = Object.fromEntries(task.metrics.map((metric) => [metric, values[metric]!]));
    return { metrics, costSeconds: prediction!.runtimeSeconds };
  }

  const builtIn: Record<string, (task: EvaluationTask) => Promise<Evaluation>> = { nb201: evaluateNb201, nb301: evaluateNb301 };
  return {
    evaluate: (task) => (builtIn[task.evaluator.benchmark] ?? evaluateImported)(task),
    /**
     * Loads the NB201 table now rather than on a search's first trial, so that no user waits for it (issue
     * #18: the first search after start as fast as the next). The NB301 surrogate stays for the first trial
     * that needs it: it costs a service that never queries it some 45 MB of memory, and its first trial
     * about 0.3 s. A table that cannot load rejects with the reason, and is tried again by the first
     * search that needs it (which fails with that reason if it still cannot).
     */
    async warm() {
      nb201 ??= loadNb201Table(benchmarksDir);
      await nb201.catch((error: unknown) => {
        nb201 = undefined;
        throw error;
      });
    },
  };
}
