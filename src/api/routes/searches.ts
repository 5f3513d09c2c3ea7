import { createRoute } from '@hono/zod-openapi';
import { createHash, randomInt } from 'node:crypto';
import { ulid } from 'ulid';
import { checkCostLimit, estimateForEvaluator } from '../../cost/estimate.js';
import { JOB_PROFILES, jobKindOf } from '../../cost/job-profiles.js';
import { Conflict, InvalidRequest, NotFound, VersionConflict } from '../../errors.js';
import { isActiveSearch, type SearchRecord } from '../../search/records.js';
import { newSearchRecord } from '../../search/new-search.js';
import { resolveSearchSpec } from '../../search/resolve-spec.js';
import { checkWarmStart } from '../../search/warm-start.js';
import { requireTeacherModel } from '../../jobs/run-trial.js';
import { SearchSpecSchema } from '../../search/spec.js';
import type { ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { datasetAccessOf } from './datasets.js';
import { IdempotencyHeaderSchema, jsonContent, newRouter, PageQuerySchema, SearchIdParamSchema } from '../router.js';
import { reserveSearchSlot } from '../search-quota.js';
import { CreatedSearchSchema, pageSchema, SearchViewSchema, toCostEstimateView, toSearchView } from '../views.js';

const createSearch = createRoute({
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

const stopSearch = createRoute({
  method: 'post',
  path: '/v1/searches/{id}/stop',
  summary: 'Stop a search: running trials are killed, finished ones kept',
  request: { params: SearchIdParamSchema },
  responses: { 202: jsonContent(SearchViewSchema, 'The search, now STOPPING'), 404: problemResponses[404], 409: problemResponses[409] },
});

const MAX_STOP_ATTEMPTS = 5;

/** Same request body, same fingerprint: key order does not matter. */
function fingerprint(body: unknown): string {
  const canonical = JSON.stringify(body, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export async function requireSearch(deps: ApiDeps, tenantId: string, searchId: string): Promise<SearchRecord> {
  const search = await deps.store.getSearch(tenantId, searchId);
  if (!search) throw new NotFound('search', searchId);
  return search;
}

export function searchRoutes(deps: ApiDeps) {
  return newRouter()
    .openapi(createSearch, async (c) => {
      const tenantId = c.get('tenantId');
      const body = c.req.valid('json');
      const spec = await resolveSearchSpec(body, deps.benchmarks, () => randomInt(2 ** 31 - 1), await datasetAccessOf(deps, tenantId, body));
      await checkWarmStart(deps.store, c.get('tenantId'), spec);
      if (spec.evaluator.kind === 'train' && spec.evaluator.distillation) {
        await requireTeacherModel(deps.store, c.get('tenantId'), spec.evaluator.distillation.teacher);
      }
      const { maxTrialCount, parallelTrialCount, maxCostUsd } = spec.budget;
      const cost = estimateForEvaluator({ evaluatorKind: spec.evaluator.kind, maxTrialCount, parallelTrialCount });
      const limit = checkCostLimit(cost, maxCostUsd);
      if (!limit.ok) throw new InvalidRequest('budget.maxCostUsd', limit.message);
      const estimate = toCostEstimateView(cost, JOB_PROFILES[jobKindOf(spec.evaluator.kind)].instance);
      const key = c.req.valid('header')['idempotency-key'];
      let id = ulid();
      const replay = (existing: SearchRecord) =>
        c.json({ ...toSearchView(existing), estimate }, 200, { 'idempotent-replayed': 'true', location: `/v1/searches/${existing.id}` });
      if (key !== undefined) {
        const binding = await deps.store.claimIdempotencyKey(tenantId, key, { searchId: id, requestHash: fingerprint(body) });
        if (binding.requestHash !== fingerprint(body)) throw new Conflict(`Idempotency-Key '${key}' was already used with a different request`);
        id = binding.searchId;
        const existing = await deps.store.getSearch(tenantId, id);
        if (existing) return replay(existing);
      }
      await reserveSearchSlot(deps, tenantId, id);
      const search = newSearchRecord(tenantId, id, spec, deps.clock().toISOString());
      try {
        await deps.store.createSearch(search);
      } catch (error) {
        // A concurrent request with the same key created it first: answer with its search.
        if (!(error instanceof Conflict) || key === undefined) throw error;
        return replay(await requireSearch(deps, tenantId, id));
      }
      deps.events.publish({ type: 'SearchCreated', tenantId, searchId: id });
      return c.json({ ...toSearchView(search), estimate }, 201, { location: `/v1/searches/${id}` });
    })
    .openapi(listSearches, async (c) => {
      const page = await deps.store.listSearches(c.get('tenantId'), c.req.valid('query'));
      return c.json({ items: page.items.map(toSearchView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
    })
    .openapi(getSearch, async (c) => {
      const search = await requireSearch(deps, c.get('tenantId'), c.req.valid('param').id);
      return c.json(toSearchView(search), 200);
    })
    .openapi(stopSearch, async (c) => {
      const tenantId = c.get('tenantId');
      const { id } = c.req.valid('param');
      // Retry only lost races with the controller, which saves the search on every tick.
      for (let attempt = 1; ; attempt++) {
        const search = await requireSearch(deps, tenantId, id);
        if (search.status === 'STOPPING') return c.json(toSearchView(search), 202);
        if (!isActiveSearch(search.status)) throw new Conflict(`search ${id} already finished (${search.status})`);
        try {
          const saved = await deps.store.saveSearch({ ...search, status: 'STOPPING', updatedAt: deps.clock().toISOString() });
          deps.events.publish({ type: 'SearchStopRequested', tenantId, searchId: id });
          return c.json(toSearchView(saved), 202);
        } catch (error) {
          if (!(error instanceof VersionConflict) || attempt >= MAX_STOP_ATTEMPTS) throw error;
        }
      }
    });
}
