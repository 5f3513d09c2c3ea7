import { createRoute, z } from '@hono/zod-openapi';
import { describeSpaces } from '../../spaces/registry.js';
import { getStrategy, STRATEGY_NAMES } from '../../strategies/registry.js';
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';

/** What a search spec may name: spaces, strategies and benchmarks with their metrics. */
const CatalogSchema = z
  .object({
    spaces: z.array(z.object({ name: z.string(), description: z.string(), needsSpaceConfig: z.boolean() })),
    strategies: z.array(z.object({ name: z.string(), description: z.string() })),
    benchmarks: z.array(
      z.object({ name: z.string(), description: z.string(), spaces: z.array(z.string()), metrics: z.array(z.string()), spaceConfig: z.unknown().optional() }),
    ),
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
  return newRouter().openapi(getCatalog, async (c) => {
    // Imported tables can be added while the service runs, so benchmarks are listed per request.
    const benchmarks = (await deps.benchmarks.list()).map((b) => ({ ...b, spaces: [...b.spaces], metrics: [...b.metrics] }));
    return c.json({ spaces, strategies, benchmarks }, 200);
  });
}
