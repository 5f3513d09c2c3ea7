import { createRoute, z } from '@hono/zod-openapi';
import { InvalidRequest, NotFound } from '../../errors.js';
import { ledgerFront, searchFront } from '../../multiobjective/search-front.js';
import { ObjectiveSchema } from '../../search/spec.js';
import { searchReadFreshness, type ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { jsonContent, newRouter, PageQuerySchema, SearchIdParamSchema, TrialParamsSchema } from '../router.js';
import { SearchReadCache } from '../search-read-cache.js';
import { jsonAnswer, serializeJson } from '../serialized-json.js';
import { pageSchema, toTrialView, TrialViewSchema } from '../views.js';
import { requireSearch } from '../../usecases/require-search.js';

const listTrials = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/trials',
  summary: "List a search's trials in trial-number order",
  request: { params: SearchIdParamSchema, query: PageQuerySchema },
  responses: { 200: jsonContent(pageSchema(TrialViewSchema, 'TrialPage'), 'A page of trials'), 400: problemResponses[400], 404: problemResponses[404] },
});

const getTrial = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/trials/{number}',
  summary: 'Get one trial',
  request: { params: TrialParamsSchema },
  responses: { 200: jsonContent(TrialViewSchema, 'The trial'), 400: problemResponses[400], 404: problemResponses[404] },
});

const getBest = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/best',
  summary: "The search's best trial so far by its first objective",
  request: { params: SearchIdParamSchema },
  responses: { 200: jsonContent(TrialViewSchema, 'The best trial'), 404: problemResponses[404] },
});

const ParetoSchema = z
  .object({
    objectives: z.array(ObjectiveSchema),
    referencePoint: z.array(z.number()).openapi({ description: "In each objective's own units" }),
    hypervolume: z.number(),
    items: z.array(TrialViewSchema),
  })
  .openapi('ParetoFront');
export type ParetoFront = z.infer<typeof ParetoSchema>;

const getPareto = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/pareto',
  summary: 'The non-dominated trials over all objectives and the hypervolume they dominate',
  request: {
    params: SearchIdParamSchema,
    query: z.object({
      reference: z
        .string()
        .regex(/^-?[\d.eE+-]+(,-?[\d.eE+-]+)*$/, 'comma-separated numbers, one per objective')
        .optional()
        .openapi({ description: 'Reference point, one value per objective in its own units; default: just beyond the worst values seen' }),
    }),
  },
  responses: { 200: jsonContent(ParetoSchema, 'The Pareto front'), 400: problemResponses[400], 404: problemResponses[404] },
});

export function trialRoutes(deps: ApiDeps) {
  const freshness = searchReadFreshness(deps);
  const cache = new SearchReadCache(freshness);
  return newRouter()
    .openapi(listTrials, async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      const search = await requireSearch(deps, tenantId, id, freshness);
      const query = c.req.valid('query');
      const body = await cache.read(search, `trials?${query.limit}&${query.nextToken ?? ''}`, async () => {
        const page = await deps.store.listTrials(tenantId, id, query);
        return serializeJson({ items: page.items.map(toTrialView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) });
      });
      return jsonAnswer(c, body);
    })
    .openapi(getTrial, async (c) => {
      const { id, number } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      await requireSearch(deps, tenantId, id, freshness);
      const trial = await deps.store.getTrial(tenantId, id, number);
      if (!trial) throw new NotFound('trial', `${id}/${number}`);
      return c.json(toTrialView(trial), 200);
    })
    .openapi(getPareto, async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      const search = await requireSearch(deps, tenantId, id, freshness);
      const { objectives } = search.spec;
      const raw = c.req.valid('query').reference;
      const reference = raw?.split(',').map(Number);
      if (reference && (reference.length !== objectives.length || reference.some((v) => !Number.isFinite(v)))) {
        throw new InvalidRequest('reference', `give ${objectives.length} finite numbers, one per objective`);
      }
      // The controller keeps the front on the search record: only its few trials are read (issue #18).
      const body = await cache.read(search, `pareto?${raw ?? ''}`, () =>
        search.ledger
          ? (async (ledger) => {
              const front = ledgerFront(ledger, objectives, reference);
              const trials = await deps.store.getTrials(tenantId, id, front.trialNumbers);
              return { objectives, referencePoint: front.referencePoint, hypervolume: front.hypervolume, items: trials.map(toTrialView) };
            })(search.ledger)
          : (async () => {
              const front = searchFront(await deps.store.allTrials(tenantId, id), objectives, reference);
              return { objectives, referencePoint: front.referencePoint, hypervolume: front.hypervolume, items: front.trials.map(toTrialView) };
            })(),
      );
      return c.json(body, 200);
    })
    .openapi(getBest, async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      const search = await requireSearch(deps, tenantId, id, freshness);
      const best = search.best;
      const trial = best && (await cache.read(search, 'best', () => deps.store.getTrial(tenantId, id, best.trialNumber)));
      if (!trial) throw new NotFound('best trial of search', id);
      return c.json(toTrialView(trial), 200);
    });
}
