import { createRoute, z } from '@hono/zod-openapi';
import { Unavailable } from '../../errors.js';
import { PredictorRecordSchema } from '../../predictors/predictor-registry.js';
import { EvaluatorSpecSchema } from '../../search/spec.js';
import { SPACE_NAMES } from '../../spaces/registry.js';
import { predict } from '../../usecases/predict.js';
import type { ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { jsonContent, newRouter } from '../router.js';

export const MAX_PREDICTIONS_PER_CALL = 1000;

const PredictionRequestSchema = z
  .strictObject({
    space: z.enum(SPACE_NAMES),
    spaceConfig: z.unknown().optional(),
    /** The evaluator as in a search spec: predictions learn from trials of searches with this evaluator. */
    evaluator: EvaluatorSpecSchema,
    metric: z.string().min(1).max(100),
    architectures: z.array(z.string().max(10_000)).min(1).max(MAX_PREDICTIONS_PER_CALL),
  })
  .openapi('PredictionRequest', {
    example: {
      space: 'nb201',
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      metric: 'cifar10_test_200',
      architectures: ['|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'],
    },
  });

const PredictionItemSchema = z.union([
  z.object({ index: z.int(), arch: z.string(), mean: z.number(), std: z.number() }),
  z.object({ index: z.int(), arch: z.string(), error: z.object({ field: z.string(), message: z.string() }) }),
]);

const PredictionResponseSchema = z
  .object({
    predictor: PredictorRecordSchema.pick({ version: true, trainingSize: true, heldOut: true, updatedAt: true }).openapi({
      description: 'The predictor that answered (GET /v1/predictors lists them)',
    }),
    items: z.array(PredictionItemSchema).openapi({ description: 'One per architecture, in request order; an invalid one gets its own error' }),
  })
  .openapi('PredictionResponse');

export type PredictionRequest = z.input<typeof PredictionRequestSchema>;
export type PredictionResponse = z.infer<typeof PredictionResponseSchema>;

const predictRoute = createRoute({
  method: 'post',
  path: '/v1/predictions',
  summary: 'Predict a metric for up to 1,000 architectures from your finished trials (mean and uncertainty), before paying to train them',
  request: { body: { content: { 'application/json': { schema: PredictionRequestSchema } }, required: true } },
  responses: {
    200: jsonContent(PredictionResponseSchema, 'Predictions, or per-architecture errors'),
    400: problemResponses[400],
    409: problemResponses[409],
    503: problemResponses[503],
  },
});

export function predictionRoutes(deps: ApiDeps) {
  return newRouter().openapi(predictRoute, async (c) => {
    if (!deps.predictors) throw new Unavailable('predictions need an artifact store, and this deployment has none');
    return c.json(await predict({ predictors: deps.predictors }, c.get('tenantId'), c.req.valid('json')), 200);
  });
}
