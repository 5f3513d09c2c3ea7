import { bodyLimit } from 'hono/body-limit';
import { requireApiKey } from './auth.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { DEFAULT_LIMITS, type ApiDeps } from './deps.js';
import { refuseUnsafeJson } from './json-body-guard.js';
import { tenantRateLimit } from './rate-limit.js';
import { errorToProblem, problemResponse } from './problem.js';
import { newRouter } from './router.js';
import { catalogRoutes } from './routes/catalog.js';
import { datasetRoutes, MAX_UPLOAD_BYTES, UPLOAD_PATH } from './routes/datasets.js';
import { modelRoutes } from './routes/models.js';
import { predictionRoutes } from './routes/predictions.js';
import { predictorRoutes } from './routes/predictors.js';
import { eventRoutes } from './routes/events.js';
import { searchRoutes } from './routes/searches.js';
import { trialRoutes } from './routes/trials.js';
import { externalTrialRoutes } from './routes/external-trials.js';

/** Request bodies above this are refused before parsing (a search spec is a few hundred bytes). */
export const MAX_BODY_BYTES = 256 * 1024;

/** Refuses a body above `maxSize` bytes before it is read whole, as a 413 problem. */
function bodyLimitOf(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () =>
      problemResponse({
        type: '/problems/payload-too-large',
        title: 'Payload too large',
        status: 413,
        detail: `request bodies are limited to ${maxSize} bytes here`,
        errors: [{ field: 'body', message: `larger than ${maxSize} bytes` }],
      }),
  });
}

/**
 * The whole HTTP API as one Hono app built from its dependencies, so that the local server, the Lambda
 * handler and the tests all run the same object.
 */
export function createApp(deps: ApiDeps) {
  const app = newRouter();
  // Dataset files are uploaded raw and large; every other body is a small JSON document.
  const smallBodies = bodyLimitOf(MAX_BODY_BYTES);
  const uploads = bodyLimitOf(MAX_UPLOAD_BYTES);
  app.use('*', (c, next) => {
    // A GET or HEAD has no body for the app (fetch's Request carries none; Node discards what a client
    // sends): nothing to limit, and the limit's look at `raw.body` would build a whole fetch Request for
    // every read (issue #18).
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return UPLOAD_PATH.test(c.req.path) ? uploads(c, next) : smallBodies(c, next);
  });
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  app.use('/v1/*', requireApiKey(deps), tenantRateLimit(deps, limits.requestsPerMinute), refuseUnsafeJson);
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer nas_...' });
  // One chain, so that its type carries every route: `AppType`, from which the SDK (src/client) is typed.
  const routes = app
    .get('/health', (c) => c.json({ status: 'ok' }, 200))
    .route('/', searchRoutes(deps))
    .route('/', trialRoutes(deps))
    .route('/', externalTrialRoutes(deps))
    .route('/', datasetRoutes(deps))
    .route('/', modelRoutes(deps))
    .route('/', predictionRoutes(deps))
    .route('/', predictorRoutes(deps))
    .route('/', catalogRoutes(deps))
    .route('/', eventRoutes(deps))
    .route('/', dashboardRoutes(deps));
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    security: [{ apiKey: [] }],
    info: {
      title: 'serverless-nas',
      version: '1',
      description: 'Neural architecture search as a pay-per-use service. Errors are application/problem+json (RFC 9457).',
    },
  });
  app.notFound((c) =>
    problemResponse({ type: '/problems/not-found', title: 'Not found', status: 404, detail: `no route for ${c.req.method} ${c.req.path}` }),
  );
  app.onError((error, c) => problemResponse(errorToProblem(error, c)));
  return routes;
}

/** The API's type: every route with its parameters, bodies and answers, for `hono/client` (src/client). */
export type AppType = ReturnType<typeof createApp>;
