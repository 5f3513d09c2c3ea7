import { createRoute, z } from '@hono/zod-openapi';
import { listRecords, PredictorRecordSchema } from '../../predictors/predictor-registry.js';
import { SPACE_NAMES } from '../../spaces/registry.js';
import type { ApiDeps } from '../deps.js';
import { jsonContent, newRouter } from '../router.js';

const PredictorListSchema = z
  .object({ items: z.array(PredictorRecordSchema).openapi({ description: 'By space, then most recently updated first' }) })
  .openapi('PredictorList');
export type PredictorList = z.infer<typeof PredictorListSchema>;

const listPredictors = createRoute({
  method: 'get',
  path: '/v1/predictors',
  summary: 'Your performance predictors: what each predicts, from how many trials, how well it ranks, and its version',
  description: 'One per space, evaluator and metric you asked POST /v1/predictions about (or pre-screened a search with).',
  request: { query: z.object({ space: z.enum(SPACE_NAMES).optional().openapi({ description: 'Only predictors of this space' }) }) },
  responses: { 200: jsonContent(PredictorListSchema, "The tenant's predictors") },
});

export function predictorRoutes(deps: ApiDeps) {
  return newRouter().openapi(listPredictors, async (c) => {
    const { space } = c.req.valid('query');
    // Without an artifact store no predictor was ever stored (POST /v1/predictions answers 503 there).
    const records = deps.artifacts ? await listRecords(deps.artifacts, c.get('tenantId')) : [];
    return c.json({ items: records.filter((record) => space === undefined || record.space === space) }, 200);
  });
}
