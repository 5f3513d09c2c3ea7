import { createRoute, z } from '@hono/zod-openapi';
import { BENCHMARKS } from '../../evaluators/benchmarks.js';
import { getSpace, SPACE_NAMES } from '../../spaces/registry.js';
import { getStrategy, STRATEGY_NAMES } from '../../strategies/registry.js';
import { newRouter } from '../router.js';

/** What a search spec may name: spaces, strategies and benchmarks with their metrics. */
const CatalogSchema = z
  .object({
    spaces: z.array(z.object({ name: z.string(), description: z.string() })),
    strategies: z.array(z.object({ name: z.string(), description: z.string() })),
    benchmarks: z.array(z.object({ name: z.string(), description: z.string(), spaces: z.array(z.string()), metrics: z.array(z.string()) })),
  })
  .openapi('Catalog');

const getCatalog = createRoute({
  method: 'get',
  path: '/v1/catalog',
  summary: 'Spaces, strategies and benchmarks (with their metrics) a search may use',
  responses: { 200: { description: 'The catalog', content: { 'application/json': { schema: CatalogSchema } } } },
});

export function catalogRoutes() {
  const catalog = {
    spaces: SPACE_NAMES.map((name) => ({ name, description: getSpace(name).description })),
    strategies: STRATEGY_NAMES.map((name) => ({ name, description: getStrategy(name).description })),
    benchmarks: Object.entries(BENCHMARKS).map(([name, info]) => ({ name, ...info, spaces: [...info.spaces], metrics: [...info.metrics] })),
  };
  return newRouter().openapi(getCatalog, (c) => c.json(catalog, 200));
}
