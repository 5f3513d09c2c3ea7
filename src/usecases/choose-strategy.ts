import type { SearchSpec } from '../search/spec.js';
import type { PolicyManifest, PolicyRegistry } from '../strategies/rl/policy-registry.js';

/** What `auto` picked, with the params to run it with and why, in words recorded on the search. */
export interface StrategyChoice {
  readonly name: 'rl' | 'predictor-guided' | 'nsga2';
  readonly params: Record<string, unknown>;
  readonly reason: string;
}

type ChoiceInput = Pick<SearchSpec, 'space' | 'objectives' | 'evaluator' | 'warmStart'>;

/**
 * Where a policy learnt its search behaviour: the benchmark and the data set its metric measures. On NB201
 * a dataset's metrics (`cifar10_valid_12`, `cifar10_test_200`) describe one table; a metric with a lower
 * fidelity (`val_accuracy@20` on NB301) is another table of answers than the final one.
 */
function taskOf(benchmark: string, metric: string): string {
  return benchmark === 'nb201' ? `${benchmark}:${metric.split('_')[0]}` : `${benchmark}:${metric}`;
}

/** A metric read after a number of epochs (`val_accuracy@20`): a cheaper proxy of the final answer. */
const LOWER_FIDELITY = /@\d+$/;
/**
 * Finished trials after which `rl` with a lower-fidelity policy learns from the search's own answers
 * instead (`handOverAfter`): on NB301 the 20-epoch policy led TPE at 10 and 20 queries and predictor-guided
 * led from 50 (docs/strategies.md#auto).
 */
const PROXY_HAND_OVER = 20;
/**
 * `predictor-guided` on a search warm-started from earlier searches of its very task (`IdenticalTask`): the
 * parents' trials are its training data from the first proposal (hundreds of them), so it exploits at once:
 * it scores every one-edit neighbour of the 3 best by mean + 0.5 std and climbs up to 10 more edits in the
 * predictor, whose mean a Gaussian process fit to its errors on the 30 best trials corrects. On NB301
 * warm-started from 1,000 random trials (tuning seeds) the climb added 0.12 at 50 queries and 0.04 at 100,
 * the residual correction 0.03-0.05 at 10-100, and fitting it to the best 30 rather than 100 another 0.04
 * at 50 and 100 (docs/strategies.md#nb301-from-an-earlier-search).
 */
const WARM_PREDICTOR_GUIDED = { parents: 3, poolSize: 1000, acquisition: 'ucb', beta: 0.5, ascentSteps: 10, residualCorrection: { top: 30, lengthScale: 8, noise: 0.1 } };

/**
 * `strategy: {"name": "auto"}`, the default: the strategy that `npm run bench:search` measured best for the
 * space and budget (docs/strategies.md#auto).
 * - Several objectives: `nsga2`, the only strategy that searches a front.
 * - Warm-started from searches of the same task (`IdenticalTask`) and no policy trained on another task's
 *   final answers: `predictor-guided` with `WARM_PREDICTOR_GUIDED`.
 * - A policy trained for the space on another task (another dataset or fidelity than the search's own):
 *   `rl` with that policy. It beat every other strategy at 10-100 queries on every NB201 dataset it was not
 *   trained on (docs/strategies.md#auto). A policy is never run on the very table it was trained on: that
 *   is memory, not search, and not what was measured. One trained on a lower fidelity (NB301's 20-epoch
 *   answers) hands over to `predictor-guided` after `PROXY_HAND_OVER` trials.
 * - Otherwise `predictor-guided`, which was ahead of `rl` learning during the search on the imported
 *   tables and of every baseline from 20 queries on (docs/benchmarks.md).
 */
export async function chooseStrategy(spec: ChoiceInput, policies: readonly PolicyRegistry[] = []): Promise<StrategyChoice> {
  if (spec.objectives.length > 1) {
    return { name: 'nsga2', params: {}, reason: `${spec.objectives.length} objectives: nsga2 searches the Pareto front` };
  }
  const benchmark = spec.evaluator.kind === 'benchmark' ? spec.evaluator.benchmark : undefined;
  const metric = spec.evaluator.metric ?? spec.objectives[0]!.metric;
  const own = benchmark === undefined ? undefined : taskOf(benchmark, metric);
  const manifests: PolicyManifest[] = [];
  const named = new Set<string>();
  for (const registry of policies) {
    for (const manifest of await registry.list(spec.space)) {
      // The first registry that has a name wins, as at search time.
      if (!named.has(manifest.name)) manifests.push(manifest);
      named.add(manifest.name);
    }
  }
  const others = manifests.filter((manifest) => taskOf(manifest.benchmark, manifest.metric) !== own);
  const policy = others.find((manifest) => manifest.name === 'default') ?? others[0];
  const measuredByParents = spec.warmStart?.type === 'IdenticalTask';
  if (measuredByParents && (!policy || LOWER_FIDELITY.test(policy.metric))) {
    return {
      name: 'predictor-guided',
      params: WARM_PREDICTOR_GUIDED,
      reason: `warm-started from earlier searches of this very task: predictor-guided learns from their trials from the first proposal and exploits them`,
    };
  }
  if (policy && LOWER_FIDELITY.test(policy.metric)) {
    return {
      name: 'rl',
      params: { policy: policy.name, handOverAfter: PROXY_HAND_OVER, handOverTo: 'predictor-guided' },
      reason: `space '${spec.space}' has policy '${policy.name}' (trained on ${policy.benchmark} ${policy.metric}, a lower fidelity): rl with it for the first ${PROXY_HAND_OVER} trials, then predictor-guided on the search's own answers`,
    };
  }
  if (policy) {
    return {
      name: 'rl',
      params: { policy: policy.name },
      reason: `space '${spec.space}' has policy '${policy.name}' (trained on ${policy.benchmark} ${policy.metric}, not this search's task): rl with a policy measured best at 10-100 queries`,
    };
  }
  const why = manifests.length > 0 ? `its policies were trained on this very task` : `no search policy was trained for space '${spec.space}'`;
  return { name: 'predictor-guided', params: {}, reason: `${why}: predictor-guided measured best without one` };
}
