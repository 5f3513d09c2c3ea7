import { InvalidRequest } from '../errors.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { resolveSpace, type AnySpace } from '../spaces/registry.js';
import { AUTO_STRATEGY } from '../search/names.js';
import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import { chooseStrategy } from './choose-strategy.js';
import { getStrategy } from '../strategies/registry.js';
import { issueFields } from '../search/issue-fields.js';
import { ARCHITECTURE_METRICS } from '../search/metrics.js';
import type { SearchSpec } from '../search/spec.js';
import { TRAIN_METRICS } from '../search/training-spec.js';
import type { SearchSpecSchema } from '../search/spec.js';
import type { DatasetAccess } from '../training/datasets/dataset-access.js';
import type { z } from 'zod';

/**
 * Checks what the schema alone cannot (that the benchmark covers the space and answers the metrics, that
 * the strategy accepts its params and, given the `policies` the controller will hand it, that a policy it
 * names exists), picks the strategy of an `auto` spec (recording why), and fills in defaults, so that the
 * stored spec says exactly what runs. Throws `InvalidRequest` naming the offending field.
 */
export async function resolveSearchSpec(
  parsed: z.output<typeof SearchSpecSchema>,
  benchmarks: BenchmarkCatalog,
  randomSeed: () => number,
  datasets?: DatasetAccess,
  policies?: readonly PolicyRegistry[],
): Promise<SearchSpec> {
  const { evaluator } = parsed;
  const resolved =
    evaluator.kind === 'benchmark'
      ? await resolveBenchmarkEvaluator(parsed, evaluator, benchmarks)
      : evaluator.kind === 'train'
        ? await resolveTrainEvaluator(parsed, evaluator, datasets)
        : evaluator.kind === 'external'
          ? resolveDeclaredMetrics(parsed, evaluator, evaluator.metrics, { source: 'the external evaluator', where: 'declare it in evaluator.metrics' })
          : resolveDeclaredMetrics(parsed, evaluator, evaluator.metricDefinitions.map((d) => d.name), {
              source: 'the container evaluator',
              where: 'define it in evaluator.metricDefinitions',
            });
  if (parsed.earlyStopping && evaluator.kind === 'benchmark') {
    throw new InvalidRequest('earlyStopping', 'early stopping needs learning curves: use it with evaluator.kind "train", "external" or "container"');
  }

  const space = resolveSpace(parsed.space, resolved.spaceConfig);
  const { auto: _ignored, ...requested } = parsed.strategy;
  let strategySpec: SearchSpec['strategy'];
  if (requested.name === AUTO_STRATEGY) {
    const choice = await chooseStrategy({ ...parsed, ...resolved }, policies);
    const params = await checkedParams(choice.name, choice.params, space, policies).catch(() => undefined);
    // A policy that does not fit this space's declaration (a `choices` space declared otherwise) is passed over.
    strategySpec = params
      ? { ...requested, name: choice.name, params, auto: { reason: choice.reason } }
      : { ...requested, name: 'predictor-guided', params: await checkedParams('predictor-guided', {}, space), auto: { reason: `${choice.reason}; that failed, so predictor-guided` } };
  } else {
    strategySpec = { ...requested, params: await checkedParams(requested.name, requested.params, space, policies) };
  }
  return { ...parsed, ...resolved, strategy: strategySpec, seed: parsed.seed ?? randomSeed() };
}

/** The strategy's params with defaults filled in, checked by its schema and its own `check`. */
async function checkedParams(name: string, raw: unknown, space: AnySpace, policies?: readonly PolicyRegistry[]): Promise<Record<string, unknown>> {
  const strategy = getStrategy(name);
  const params = strategy.params.safeParse(raw);
  if (!params.success) {
    const [first] = issueFields(params.error, ['strategy', 'params']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  await strategy.check?.({ space, params: params.data, ...(policies ? { policies } : {}) });
  return params.data as Record<string, unknown>;
}

type ParsedSpec = z.output<typeof SearchSpecSchema>;
type ResolvedEvaluator = Pick<SearchSpec, 'evaluator' | 'spaceConfig'>;

/** Throws `InvalidRequest` on `field` unless `metric` is one of `known` or an architecture metric; `where` says where to find them. */
function requireMetric(metric: string, field: string, known: readonly string[], source: string, where = 'GET /v1/catalog lists all'): void {
  if (known.includes(metric) || ARCHITECTURE_METRICS.includes(metric)) return;
  throw new InvalidRequest(
    field,
    `${source} has no metric '${metric}' (e.g. ${known.slice(0, 6).join(', ')}, ...; ${where}; params and flops work everywhere)`,
  );
}

/** The benchmark covers the space and answers the metrics at the asked fidelity. */
async function resolveBenchmarkEvaluator(
  parsed: ParsedSpec,
  evaluator: Extract<ParsedSpec['evaluator'], { kind: 'benchmark' }>,
  benchmarks: BenchmarkCatalog,
): Promise<ResolvedEvaluator> {
  const benchmark = await benchmarks.get(evaluator.benchmark);
  if (!benchmark.spaces.includes(parsed.space)) {
    throw new InvalidRequest(
      'evaluator.benchmark',
      `benchmark '${evaluator.benchmark}' has no values for space '${parsed.space}' (it covers ${benchmark.spaces.join(', ')})`,
    );
  }
  // A table over a declared space carries its declaration; a spec may repeat it but not contradict it.
  const spaceConfig = parsed.spaceConfig ?? benchmark.spaceConfig;
  if (benchmark.spaceConfig !== undefined && JSON.stringify(spaceConfig) !== JSON.stringify(benchmark.spaceConfig)) {
    throw new InvalidRequest('spaceConfig', `benchmark '${benchmark.name}' was built for another declaration of space '${parsed.space}'`);
  }
  resolveSpace(parsed.space, spaceConfig);

  const source = `benchmark '${evaluator.benchmark}'`;
  parsed.objectives.forEach((objective, i) => requireMetric(objective.metric, `objectives[${i}].metric`, benchmark.metrics, source));
  const { fidelity } = evaluator;
  if (fidelity !== undefined && (benchmark.maxEpochs === undefined || fidelity.epochs > benchmark.maxEpochs)) {
    throw new InvalidRequest(
      'evaluator.fidelity.epochs',
      benchmark.maxEpochs === undefined
        ? `benchmark '${benchmark.name}' has fixed fidelities (its metric names say how many epochs)`
        : `benchmark '${benchmark.name}' answers for at most ${benchmark.maxEpochs} epochs`,
    );
  }
  const metric = evaluator.metric ?? parsed.objectives[0]!.metric;
  requireMetric(metric, 'evaluator.metric', benchmark.metrics, source);
  return { ...(spaceConfig === undefined ? {} : { spaceConfig }), evaluator: { ...evaluator, metric } };
}

/**
 * The space has a model builder that accepts the model settings, the dataset exists (and the tenant may
 * read it: `datasets`) and the metrics are ones training reports. TensorFlow.js is loaded only here, so
 * benchmark-only callers never pay for it.
 */
async function resolveTrainEvaluator(
  parsed: ParsedSpec,
  evaluator: Extract<ParsedSpec['evaluator'], { kind: 'train' }>,
  datasets: DatasetAccess | undefined,
): Promise<ResolvedEvaluator> {
  resolveSpace(parsed.space, parsed.spaceConfig);
  const { checkTrainingTask } = await import('../training/training-catalog.js');
  const model = await checkTrainingTask(parsed.space, evaluator, datasets);
  const source = `the train evaluator`;
  parsed.objectives.forEach((objective, i) => requireMetric(objective.metric, `objectives[${i}].metric`, TRAIN_METRICS, source));
  const metric = evaluator.metric ?? parsed.objectives[0]!.metric;
  requireMetric(metric, 'evaluator.metric', TRAIN_METRICS, source);
  if (metric.startsWith('test_')) {
    throw new InvalidRequest('evaluator.metric', `select on validation, never on test ('${metric}'): test metrics are only reported`);
  }
  return { ...(parsed.spaceConfig === undefined ? {} : { spaceConfig: parsed.spaceConfig }), evaluator: { ...evaluator, model, metric } };
}

/**
 * The user's own code reports the metrics its evaluator declares (`external` workers over HTTP, a
 * `container` on its standard output): the objectives and the selection metric must be among them (or be
 * architecture metrics, which the service computes), so that every metric the search ranks on is known to come.
 */
function resolveDeclaredMetrics<E extends Extract<ParsedSpec['evaluator'], { kind: 'external' | 'container' }>>(
  parsed: ParsedSpec,
  evaluator: E,
  declared: readonly string[],
  { source, where }: { source: string; where: string },
): ResolvedEvaluator {
  resolveSpace(parsed.space, parsed.spaceConfig);
  parsed.objectives.forEach((objective, i) => requireMetric(objective.metric, `objectives[${i}].metric`, declared, source, where));
  const metric = evaluator.metric ?? parsed.objectives[0]!.metric;
  requireMetric(metric, 'evaluator.metric', declared, source, where);
  return { ...(parsed.spaceConfig === undefined ? {} : { spaceConfig: parsed.spaceConfig }), evaluator: { ...evaluator, metric } };
}
