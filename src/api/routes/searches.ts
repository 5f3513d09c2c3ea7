import { createRoute } from '@hono/zod-openapi';
import { createSearch } from '../../usecases/create-search.js';
import { requireSearch } from '../../usecases/require-search.js';
import { stopSearch } from '../../usecases/stop-search.js';
import { SearchSpecSchema } from '../../search/spec.js';
import { DEFAULT_LIMITS, searchReadFreshness, type ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { IdempotencyHeaderSchema, jsonContent, newRouter, PageQuerySchema, SearchIdParamSchema } from '../router.js';
import { CreatedSearchSchema, pageSchema, SearchViewSchema, toCostEstimateView, toSearchView } from '../views.js';

const createSearchRoute = createRoute({
  method: 'post',
  path: '/v1/searches',
  summary: 'Start a search',
  description:
    'The answer carries `estimate`, what the search would cost in the cloud deployment; a spec whose estimate exceeds `budget.maxCostUsd` is refused (400). ' +
    'With an Idempotency-Key header, a retried request returns the search the first one created (200, header idempotent-replayed: true) instead of starting another; reusing a key for a different request is a 409.',
  request: {
    headers: IdempotencyHeaderSchema,
    body: { required: true, content: { 'application/json': { schema: SearchSpecSchema } } },
  },
  responses: {
    200: jsonContent(CreatedSearchSchema, 'The search an earlier request with the same Idempotency-Key created'),
    201: jsonContent(CreatedSearchSchema, 'The new search and its cost estimate'),
    400: problemResponses[400],
    409: problemResponses[409],
    429: problemResponses[429],
    503: problemResponses[503],
  },
});

const listSearches = createRoute({
  method: 'get',
  path: '/v1/searches',
  summary: 'List searches, newest first',
  request: { query: PageQuerySchema },
  responses: { 200: jsonContent(pageSchema(SearchViewSchema, 'SearchPage'), 'A page of searches'), 400: problemResponses[400] },
});

const getSearch = createRoute({
  method: 'get',
  path: '/v1/searches/{id}',
  summary: 'Get a search with its counters and best trial',
  request: { params: SearchIdParamSchema },
  responses: { 200: jsonContent(SearchViewSchema, 'The search'), 404: problemResponses[404] },
});

const stopSearchRoute = createRoute({
  method: 'post',
  path: '/v1/searches/{id}/stop',
  summary: 'Stop a search: running trials are killed, finished ones kept',
  request: { params: SearchIdParamSchema },
  responses: { 202: jsonContent(SearchViewSchema, 'The search, now STOPPING'), 404: problemResponses[404], 409: problemResponses[409] },
});

export function searchRoutes(deps: ApiDeps) {
  const creation = {
    ...deps,
    maxActiveSearches: { ...DEFAULT_LIMITS, ...deps.limits }.maxActiveSearches,
    datasets: { artifacts: deps.artifacts, folders: deps.datasets?.folders },
  };
  const freshness = searchReadFreshness(deps);
  return newRouter()
    .openapi(createSearchRoute, async (c) => {
      const { search, estimate, replayed } = await createSearch(creation, {
        tenantId: c.get('tenantId'),
        spec: c.req.valid('json'),
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      const body = { ...toSearchView(search), estimate: toCostEstimateView(estimate.cost, estimate.instance) };
      const location = `/v1/searches/${search.id}`;
      return replayed ? c.json(body, 200, { 'idempotent-replayed': 'true', location }) : c.json(body, 201, { location });
    })
    .openapi(listSearches, async (c) => {
      const page = await deps.store.listSearches(c.get('tenantId'), c.req.valid('query'), freshness);
      return c.json({ items: page.items.map(toSearchView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
    })
    .openapi(getSearch, async (c) => {
      const search = await requireSearch(deps, c.get('tenantId'), c.req.valid('param').id, freshness);
      return c.json(toSearchView(search), 200);
    })
    .openapi(stopSearchRoute, async (c) => {
      const search = await stopSearch(deps, c.get('tenantId'), c.req.valid('param').id);
      return c.json(toSearchView(search), 202);
    });
}
