import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { isActiveSearch } from '../../search/states.js';
import { searchReadFreshness, type ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { newRouter, SearchIdParamSchema } from '../router.js';
import { leaseEventStream } from '../stream-leases.js';
import { toSearchView } from '../views.js';
import { requireSearch } from '../../usecases/require-search.js';

/** How often the store is read for changes: the controller saves a search at most a few times a second. */
const SEARCH_POLL_MS = 500;
/** An idle stream sends a comment this often, so that proxies and load balancers keep it open. */
const HEARTBEAT_MS = 15_000;

const followSearch = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/events',
  summary: 'Follow a search as server-sent events',
  description:
    `Each \`search\` event carries the search exactly as GET /v1/searches/{id} returns it: the current state first, ` +
    `then every change (the store is read every ${SEARCH_POLL_MS} ms). The stream ends after the event with the ` +
    `finished state. A comment line every ${HEARTBEAT_MS / 1000} s keeps an idle stream open. ` +
    'A tenant may hold a few streams open at once (`NAS_MAX_EVENT_STREAMS`); one more is a 429 with Retry-After.',
  request: { params: SearchIdParamSchema },
  responses: {
    200: { description: 'A text/event-stream of `search` events', content: { 'text/event-stream': { schema: z.string() } } },
    404: problemResponses[404],
    429: problemResponses[429],
  },
});

export function eventRoutes(deps: ApiDeps) {
  const freshness = searchReadFreshness(deps);
  return newRouter().openapi(followSearch, async (c) => {
    const tenantId = c.get('tenantId');
    const { id } = c.req.valid('param');
    // Read before streaming, so that an unknown search is a 404 problem rather than an empty stream.
    let search = await requireSearch(deps, tenantId, id, freshness);
    const lease = await leaseEventStream(deps, tenantId);
    return streamSSE(c, async (stream) => {
      try {
        let sent = '';
        let lastWriteAt = Date.now();
        for (;;) {
          const data = JSON.stringify(toSearchView(search));
          if (data !== sent) {
            await stream.writeSSE({ event: 'search', data });
            sent = data;
            lastWriteAt = Date.now();
          } else if (Date.now() - lastWriteAt >= HEARTBEAT_MS) {
            await stream.write(': heartbeat\n\n');
            lastWriteAt = Date.now();
          }
          if (!isActiveSearch(search.status)) return;
          await stream.sleep(SEARCH_POLL_MS);
          if (stream.aborted || !(await lease.keep())) return;
          search = await requireSearch(deps, tenantId, id, freshness);
        }
      } finally {
        await lease.release();
      }
    });
  });
}
