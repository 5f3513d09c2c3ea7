import { createApp } from '../../src/api/app.js';
import type { ApiDeps, TenantLimits } from '../../src/api/deps.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { serveApi } from '../cli/served-api.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import type { TestStore } from '../helpers/store.js';

/** A tenant as an attacker or its victim: its id and API key, and fetch against a server as it. */
export interface Tenant {
  readonly id: string;
  readonly key: string;
  fetch(base: string, path: string, init?: RequestInit): Promise<Response>;
}

export async function newTenant(db: TestStore, id: string): Promise<Tenant> {
  const key = await issueApiKey(db.store, id, 'security test', new Date());
  return {
    id,
    key,
    fetch: (base, path, init = {}) =>
      fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } }),
  };
}

/**
 * Several API instances over one store, each on its own port: what several Lambdas of the deployed API
 * are. `clock` lets a test move time.
 */
export async function serveInstances(db: TestStore, count: number, options: { limits?: Partial<TenantLimits>; clock?: () => Date; benchmarks?: BenchmarkCatalog } = {}) {
  const deps: ApiDeps = {
    store: db.store,
    events: new RecordingEvents(),
    benchmarks: options.benchmarks ?? new BenchmarkCatalog(BENCHMARKS_DIR),
    clock: options.clock ?? (() => new Date()),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const servers = await Promise.all(Array.from({ length: count }, () => serveApi(createApp(deps))));
  return { urls: servers.map((s) => s.url), close: () => Promise.all(servers.map((s) => s.close())) };
}

export const json = (response: Response): Promise<any> => response.json();

/** `POST /v1/searches` of the example spec (or `body`, sent as is when a string). */
export const createSearch = (tenant: Tenant, base: string, body: unknown = EXAMPLE_SEARCH_SPEC, headers: Record<string, string> = {}) =>
  tenant.fetch(base, '/v1/searches', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
