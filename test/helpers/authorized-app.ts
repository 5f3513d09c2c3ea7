import { createApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { PredictorService } from '../../src/predictors/predictor-service.js';

/** The API app with a fresh key for `tenantId`, and a `request` that presents it. */
export async function authorizedApp(deps: ApiDeps, tenantId = 'local') {
  const app = createApp(deps);
  const key = await issueApiKey(deps.store, tenantId, 'test', new Date());
  const request = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
  return { app, key, request };
}

/** `deps` with a predictor service over their store and artifacts, as the composition roots hand it to the API. */
export function withPredictors(deps: ApiDeps): ApiDeps {
  return deps.artifacts ? { ...deps, predictors: new PredictorService({ store: deps.store, artifacts: deps.artifacts, clock: deps.clock }) } : deps;
}
