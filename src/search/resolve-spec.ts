import { InvalidRequest } from '../errors.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { resolveSpace } from '../spaces/registry.js';
import { getStrategy } from '../strategies/registry.js';
import { issueFields } from './issue-fields.js';
import type { SearchSpec } from './spec.js';
import type { SearchSpecSchema } from './spec.js';
import type { z } from 'zod';

/**
 * Checks what the schema alone cannot (that the benchmark covers the space and answers the metrics, that
 * the strategy accepts its params) and fills in defaults, so that the stored spec says exactly what ran.
 * Throws `InvalidRequest` naming the offending field.
 */
export async function resolveSearchSpec(
  parsed: z.output<typeof SearchSpecSchema>,
  benchmarks: BenchmarkCatalog,
  randomSeed: () => number,
): Promise<SearchSpec> {
  const benchmark = await benchmarks.get(parsed.evaluator.benchmark);
  if (!benchmark.spaces.includes(parsed.space)) {
    throw new InvalidRequest(
      'evaluator.benchmark',
      `benchmark '${parsed.evaluator.benchmark}' has no values for space '${parsed.space}' (it covers ${benchmark.spaces.join(', ')})`,
    );
  }
  // A table over a declared space carries its declaration; a spec may repeat it but not contradict it.
  const spaceConfig = parsed.spaceConfig ?? benchmark.spaceConfig;
  if (benchmark.spaceConfig !== undefined && JSON.stringify(spaceConfig) !== JSON.stringify(benchmark.spaceConfig)) {
    throw new InvalidRequest('spaceConfig', `benchmark '${benchmark.name}' was built for another declaration of space '${parsed.space}'`);
  }
  resolveSpace(parsed.space, spaceConfig);

  const knownMetric = (metric: string, field: string) => {
    if (!benchmark.metrics.includes(metric) && !ARCHITECTURE_METRICS.includes(metric)) {
      throw new InvalidRequest(
        field,
        `benchmark '${parsed.evaluator.benchmark}' has no metric '${metric}' (e.g. ${benchmark.metrics.slice(0, 6).join(', ')}, ...; GET /v1/catalog lists all; params and flops work everywhere)`,
      );
    }
  };
  parsed.objectives.forEach((objective, i) => knownMetric(objective.metric, `objectives[${i}].metric`));
  const { fidelity } = parsed.evaluator;
  if (fidelity !== undefined && (benchmark.maxEpochs === undefined || fidelity.epochs > benchmark.maxEpochs)) {
    throw new InvalidRequest(
      'evaluator.fidelity.epochs',
      benchmark.maxEpochs === undefined
        ? `benchmark '${benchmark.name}' has fixed fidelities (its metric names say how many epochs)`
        : `benchmark '${benchmark.name}' answers for at most ${benchmark.maxEpochs} epochs`,
    );
  }
  const metric = parsed.evaluator.metric ?? parsed.objectives[0]!.metric;
  knownMetric(metric, 'evaluator.metric');

  const strategy = getStrategy(parsed.strategy.name);
  const params = strategy.params.safeParse(parsed.strategy.params);
  if (!params.success) {
    const [first] = issueFields(params.error, ['strategy', 'params']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return {
    ...parsed,
    ...(spaceConfig === undefined ? {} : { spaceConfig }),
    strategy: { name: parsed.strategy.name, params: params.data as Record<string, unknown> },
    evaluator: { ...parsed.evaluator, metric },
    seed: parsed.seed ?? randomSeed(),
  };
}

/** Metrics every search can use, computed from the architecture itself rather than measured. */
export const ARCHITECTURE_METRICS: readonly string[] = ['params', 'flops'];

/** Every metric a trial of this search must report. */
export function searchMetrics(spec: SearchSpec): string[] {
  return [...new Set([...(spec.evaluator.metric ? [spec.evaluator.metric] : []), ...spec.objectives.map((o) => o.metric)])];
}
