import { createRoute, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { jsonContent, newRouter, PageQuerySchema, SearchIdParamSchema } from '../router.js';
import { pageSchema, toTrialView, TrialViewSchema } from '../views.js';
import { requireSearch } from './searches.js';

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
  request: {
    params: SearchIdParamSchema.extend({
      number: z.coerce.number().int().min(1).openapi({ param: { name: 'number', in: 'path' }, example: 42 }),
    }),
  },
  responses: { 200: jsonContent(TrialViewSchema, 'The trial'), 400: problemResponses[400], 404: problemResponses[404] },
});

const getBest = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/best',
  summary: "The search's best trial so far by its first objective",
  request: { params: SearchIdParamSchema },
  responses: { 200: jsonContent(TrialViewSchema, 'The best trial'), 404: problemResponses[404] },
});

export function trialRoutes(deps: ApiDeps) {
  return newRouter()
    .openapi(listTrials, async (c) => {
      const { id } = c.req.valid('param');
      await requireSearch(deps, c.get('tenantId'), id);
      const page = await deps.store.listTrials(id, c.req.valid('query'));
      return c.json({ items: page.items.map(toTrialView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
    })
    .openapi(getTrial, async (c) => {
      const { id, number } = c.req.valid('param');
      await requireSearch(deps, c.get('tenantId'), id);
      const trial = await deps.store.getTrial(id, number);
      if (!trial) throw new NotFound('trial', `${id}/${number}`);
      return c.json(toTrialView(trial), 200);
    })
    .openapi(getBest, async (c) => {
      const { id } = c.req.valid('param');
      const search = await requireSearch(deps, c.get('tenantId'), id);
      const trial = search.best && (await deps.store.getTrial(id, search.best.trialNumber));
      if (!trial) throw new NotFound('best trial of search', id);
      return c.json(toTrialView(trial), 200);
    });
}
