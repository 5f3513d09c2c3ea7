/** A worker thread of `npm run bench:search`: runs its share of (task, strategy, seed) simulations. */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_SUITE_TABLES_DIR, loadBenchmarkTask, type AnyBenchmarkTask, type TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { simulateSearch } from '../../src/benchmarking/simulate-search.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { PolicyRegistry } from '../../src/strategies/rl/policy-registry.js';
import { getStrategy } from '../../src/strategies/registry.js';
import { strategyOf, type RunResult, type WorkerInput } from './protocol.js';
import { AUTO_STRATEGY } from '../../src/search/names.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { chooseStrategy } from '../../src/usecases/choose-strategy.js';
import { randomParentTrials } from './random-parent.js';

const { runs, maxQueries, benchmarksDir, tablesDir, artifactsDir, warmStartTrials = 0, warmStartSeed = 1_000_000 } = workerData as WorkerInput;
// Policies trained into --artifacts come first, then those shipped with the product.
const policies = [...(artifactsDir === undefined ? [] : [new PolicyRegistry(new DirectoryArtifactStore(artifactsDir))]), shippedPolicies()];
const tasks = new Map<TaskName, Promise<AnyBenchmarkTask>>();
const suiteTables = tablesDir ?? DEFAULT_SUITE_TABLES_DIR;
const tableShelf = { store: new DirectoryArtifactStore(suiteTables), location: suiteTables };

for (const run of runs) {
  if (!tasks.has(run.task)) tasks.set(run.task, loadBenchmarkTask(run.task, benchmarksDir, tableShelf));
  const task = await tasks.get(run.task)!;
  // `auto` picks as the service does for a search on this task, with the same policies.
  const requested = strategyOf(run.strategy);
  const { name, params } =
    requested.name === AUTO_STRATEGY
      ? await chooseStrategy(
          {
            space: task.space.name as SearchSpec['space'],
            objectives: [{ metric: task.searchMetric, direction: 'maximize' }],
            evaluator: { kind: 'benchmark', benchmark: task.benchmark, metric: task.searchMetric },
            ...(warmStartTrials > 0 ? { warmStart: { type: 'IdenticalTask', parentSearches: ['random-parent'], seeds: 10 } } : {}),
          },
          policies,
        )
      : requested;
  const strategy = getStrategy(name);
  const trajectory = await simulateSearch({
    space: task.space,
    strategy,
    params: strategy.params.parse(params),
    policies,
    seed: run.seed,
    maxQueries,
    evaluate: task.evaluate,
    ...(warmStartTrials > 0 ? { prior: await randomParentTrials(task, warmStartTrials, warmStartSeed + run.seed) } : {}),
  });
  const result: RunResult = {
    ...run,
    bestScore: trajectory.map((p) => p.bestScore),
    reported: trajectory.map((p) => p.reported),
    seconds: trajectory.map((p) => p.seconds),
    ...(task.optimum === undefined ? {} : { optimum: task.optimum }),
    ...(task.ceiling === undefined ? {} : { ceiling: task.ceiling }),
  };
  parentPort!.postMessage(result);
}
