/** A worker thread of `npm run bench:search`: runs its share of (task, strategy, seed) simulations. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBenchmarkTask, type AnyBenchmarkTask, type TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { simulateSearch } from '../../src/benchmarking/simulate-search.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { PolicyRegistry } from '../../src/strategies/rl/policy-registry.js';
import { getStrategy } from '../../src/strategies/registry.js';
import { strategyOf, type RunResult, type WorkerInput } from './protocol.js';

const { runs, maxQueries, benchmarksDir, artifactsDir } = workerData as WorkerInput;
// Policies trained into --artifacts come first, then those shipped with the product.
const policies = [...(artifactsDir === undefined ? [] : [new PolicyRegistry(new DirectoryArtifactStore(artifactsDir))]), shippedPolicies()];
const tasks = new Map<TaskName, Promise<AnyBenchmarkTask>>();

for (const run of runs) {
  if (!tasks.has(run.task)) tasks.set(run.task, loadBenchmarkTask(run.task, benchmarksDir));
  const task = await tasks.get(run.task)!;
  const { name, params } = strategyOf(run.strategy);
  const strategy = getStrategy(name);
  const trajectory = await simulateSearch({
    space: task.space,
    strategy,
    params: strategy.params.parse(params),
    policies,
    seed: run.seed,
    maxQueries,
    evaluate: task.evaluate,
  });
  const result: RunResult = {
    ...run,
    bestScore: trajectory.map((p) => p.bestScore),
    reported: trajectory.map((p) => p.reported),
    seconds: trajectory.map((p) => p.seconds),
    ...(task.optimum === undefined ? {} : { optimum: task.optimum }),
  };
  parentPort!.postMessage(result);
}
