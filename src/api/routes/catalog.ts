import { createRoute, z } from '@hono/zod-openapi';
import { describeSpaces } from '../../spaces/registry.js';
import { getStrategy, STRATEGY_NAMES } from '../../strategies/registry.js';
import { describeDatasets } from '../../training/datasets/registry.js';
import { TRAIN_METRICS } from '../../search/training-spec.js';
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';

/** What a search spec may name: spaces, strategies, benchmarks with their metrics, and datasets to train on. */
const CatalogSchema = z
  .object({
    spaces: z.array(z.object({ name: z.string(), description: z.string(), needsSpaceConfig: z.boolean() })),
    strategies: z.array(z.object({ name: z.string(), description: z.string() })),
    benchmarks: z.array(
      z.object({ name: z.string(), description: z.string(), spaces: z.array(z.string()), metrics: z.array(z.string()), spaceConfig: z.unknown().optional() }),
    ),
    datasets: z
      .array(
        z.object({
          name: z.string(),
          description: z.string(),
          inputShape: z.array(z.int()),
          inputType: z.enum(['float32', 'int32']),
          targetShape: z.array(z.int()),
          classes: z.int(),
          splits: z.object({ train: z.int(), validation: z.int(), test: z.int() }),
          options: z.unknown().openapi({ description: 'JSON Schema of `evaluator.datasetOptions`' }),
        }),
      )
      .openapi({ description: 'Built-in datasets for the `train` evaluator; user datasets are named `dir:`, `s3://` or `artifacts:` (docs/datasets.md)' }),
    trainMetrics: z.array(z.string()).openapi({ description: 'Metrics a `train` trial reports' }),
  })
  .openapi('Catalog');
export type Catalog = z.infer<typeof CatalogSchema>;

const getCatalog = createRoute({
  method: 'get',
  path: '/v1/catalog',
  summary: 'Spaces, strategies and benchmarks (with their metrics) a search may use',
  responses: { 200: { description: 'The catalog', content: { 'application/json': { schema: CatalogSchema } } } },
});

export function catalogRoutes(deps: ApiDeps) {
  const spaces = describeSpaces();
  const strategies = STRATEGY_NAMES.map((name) => ({ name, description: getStrategy(name).description }));
  const datasets = describeDatasets().map((d) => ({ ...d, inputShape: [...d.inputShape], targetShape: [...d.targetShape] }));
  const trainMetrics = [...TRAIN_METRICS];
  return newRouter().openapi(getCatalog, async (c) => {
    // Imported tables can be added while the service runs, so benchmarks are listed per request.
    const benchmarks = (await deps.benchmarks.list()).map((b) => ({ ...b, spaces: [...b.spaces], metrics: [...b.metrics] }));
    return c.json({ spaces, strategies, benchmarks, datasets, trainMetrics }, 200);
  });
}
