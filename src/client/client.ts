import { hc, type ClientResponse } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import type { AppType } from '../api/app.js';
import type { PredictionRequest } from '../api/routes/predictions.js';
import type { SPACE_NAMES } from '../search/names.js';
import type { SearchSpecInput } from '../search/spec.js';
import { ApiError, ServiceUnreachable } from './errors.js';
import { collect, items } from './pages.js';
import type { ClaimOutcome, ClaimRequest, TrialCompletion, TrialReport } from './trial-leases.js';

/** What `fetch` the client sends through: the global one, or e.g. `app.request` of an in-process app. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Response | Promise<Response>;

export interface ClientOptions {
  /** Where the API answers: `http://127.0.0.1:8080` locally, the deployment's URL in the cloud. */
  readonly baseUrl: string;
  /** An API key (`nas_...`), sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchFunction;
}

/** The body of a response's successful (2xx) JSON answers, as the route declares them. */
type SuccessBody<R> = R extends ClientResponse<infer T, infer S, infer F> ? (S extends SuccessStatusCode ? (F extends 'json' ? T : never) : never) : never;

/** The 2xx JSON body of a typed call, or its problem+json as an `ApiError`. */
async function json<R extends ClientResponse<unknown, number, string>>(pending: R | Promise<R>): Promise<SuccessBody<R>> {
  const response = await pending;
  if (!response.ok) throw await ApiError.from(response as unknown as Response);
  return (await response.json()) as SuccessBody<R>;
}

/** Waits for a call without a body worth reading (204), throwing its problem+json as an `ApiError`. */
async function done(pending: Promise<ClientResponse<unknown, number, string>>): Promise<void> {
  const response = await pending;
  if (!response.ok) throw await ApiError.from(response as unknown as Response);
}

/** Turns a failed connection into `ServiceUnreachable`; a request the caller aborted stays an abort. */
function reachingOnly(baseUrl: string, send: FetchFunction): FetchFunction {
  return async (input, init) => {
    try {
      return await send(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      throw new ServiceUnreachable(baseUrl, { cause: error });
    }
  };
}

const typedApi = (baseUrl: string, options: Parameters<typeof hc>[1]) => hc<AppType>(baseUrl, options);
/** Every route of the API, typed from the app itself (`hono/client`): `client.api.v1.searches[':id'].$get(...)`. */
export type TypedApi = ReturnType<typeof typedApi>;

/**
 * The HTTP API of serverless-nas. Each method answers with the route's typed success body and throws
 * `ApiError` (the problem+json) on any other answer, or `ServiceUnreachable` when nothing answers; `api`
 * reaches every route as `hono/client` types it, for what the methods leave out.
 */
export class NasClient {
  readonly api: TypedApi;
  readonly baseUrl: string;
  private readonly send: FetchFunction;
  private readonly authorization: Record<string, string>;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.send = reachingOnly(this.baseUrl, options.fetch ?? fetch);
    this.authorization = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.api = typedApi(this.baseUrl, { fetch: this.send as typeof fetch, headers: this.authorization });
  }

  /** The service's liveness check (no key needed). */
  health() {
    return json(this.api.health.$get());
  }

  /** Starts a search; with `idempotencyKey`, retrying the call returns the first search instead of starting another. */
  createSearch(spec: SearchSpecInput, { idempotencyKey }: { idempotencyKey?: string } = {}) {
    return json(this.api.v1.searches.$post({ json: spec, header: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} }));
  }

  getSearch(id: string) {
    return json(this.api.v1.searches[':id'].$get({ param: { id } }));
  }

  /** One page of searches, newest first. */
  listSearches({ limit = 50, nextToken }: { limit?: number; nextToken?: string } = {}) {
    return json(this.api.v1.searches.$get({ query: { limit: String(limit), ...(nextToken ? { nextToken } : {}) } }));
  }

  /** Every search, newest first, fetched a page at a time as the loop goes. */
  searches({ pageSize = 100 }: { pageSize?: number } = {}) {
    return items((nextToken) => this.listSearches({ limit: pageSize, ...(nextToken ? { nextToken } : {}) }));
  }

  /** Stops a search: running trials are killed, finished ones kept. */
  stopSearch(id: string) {
    return json(this.api.v1.searches[':id'].stop.$post({ param: { id } }));
  }

  /** One page of a search's trials in trial-number order. */
  listTrials(id: string, { limit = 50, nextToken }: { limit?: number; nextToken?: string } = {}) {
    return json(this.api.v1.searches[':id'].trials.$get({ param: { id }, query: { limit: String(limit), ...(nextToken ? { nextToken } : {}) } }));
  }

  /** Every trial of a search in trial-number order, fetched a page at a time as the loop goes. */
  trials(id: string, { pageSize = 1000 }: { pageSize?: number } = {}) {
    return items((nextToken) => this.listTrials(id, { limit: pageSize, ...(nextToken ? { nextToken } : {}) }));
  }

  /** Every trial of a search, collected. */
  allTrials(id: string) {
    return collect(this.trials(id));
  }

  getTrial(id: string, trialNumber: number) {
    return json(this.api.v1.searches[':id'].trials[':number'].$get({ param: { id, number: String(trialNumber) } }));
  }

  /** The best trial so far by the search's first objective. */
  bestTrial(id: string) {
    return json(this.api.v1.searches[':id'].best.$get({ param: { id } }));
  }

  /** The non-dominated trials over all objectives and their hypervolume, from `referencePoint` when given. */
  pareto(id: string, referencePoint?: readonly number[]) {
    return json(this.api.v1.searches[':id'].pareto.$get({ param: { id }, query: referencePoint ? { reference: referencePoint.join(',') } : {} }));
  }

  /** A trained trial's architecture, recipe and model files (download each `href` with `download`). */
  modelExport(id: string, trialNumber: number) {
    return json(this.api.v1.searches[':id'].trials[':number'].model.$get({ param: { id, number: String(trialNumber) } }));
  }

  /**
   * The bytes at a path the service handed out (an export's file `href`). In the cloud the answer redirects
   * to a presigned S3 URL; fetch follows it and, the URL being on another origin, leaves the key behind.
   */
  async download(path: string): Promise<Uint8Array> {
    const response = await this.send(new URL(path, `${this.baseUrl}/`), { headers: this.authorization });
    if (!response.ok) throw await ApiError.from(response);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Spaces, strategies, benchmarks, datasets and training metrics to choose from. */
  catalog() {
    return json(this.api.v1.catalog.$get());
  }

  /** Predicted metrics of architectures, by the tenant's predictor of their space. */
  predict(request: PredictionRequest) {
    return json(this.api.v1.predictions.$post({ json: request }));
  }

  /** The tenant's predictors, of one space when `space` is given. */
  predictors(space?: (typeof SPACE_NAMES)[number]) {
    return json(this.api.v1.predictors.$get({ query: space === undefined ? {} : { space } }));
  }

  /** Uploaded datasets and registered S3 dataset sources. */
  datasets() {
    return json(this.api.v1.datasets.$get());
  }

  /** Uploads one file of a dataset (the shards first, `manifest.json` last) into the tenant's own artifacts. */
  uploadDatasetFile(name: string, file: string, bytes: Uint8Array) {
    // The route takes raw bytes, which hono/client has no argument for: the body goes in as fetch's own.
    return done(
      this.api.v1.datasets[':name'].files[':file'].$put({ param: { name, file } }, { headers: { 'content-type': 'application/octet-stream' }, init: { body: bytes } }),
    );
  }

  /** Checks an uploaded dataset whole and describes it, with the reference a search names. */
  dataset(name: string) {
    return json(this.api.v1.datasets[':name'].$get({ param: { name } }));
  }

  deleteDataset(name: string) {
    return done(this.api.v1.datasets[':name'].$delete({ param: { name } }));
  }

  /** Lets the tenant's searches read `s3://` datasets under `uri`. */
  addDatasetSource(uri: string) {
    return json(this.api.v1['dataset-sources'].$post({ json: { uri } }));
  }

  removeDatasetSource(uri: string) {
    return done(this.api.v1['dataset-sources'].$delete({ query: { uri } }));
  }

  /**
   * Leases the next trial of a search whose evaluator is `external`: `'wait'` when none is available now
   * (every proposed trial is held), `'finished'` when the search is over.
   */
  async claimTrial(searchId: string, request: ClaimRequest = {}, signal?: AbortSignal): Promise<ClaimOutcome> {
    const response = await this.api.v1.searches[':id'].claims.$post({ param: { id: searchId }, json: request }, signal ? { init: { signal } } : {});
    if (response.status === 204) return 'wait';
    if (response.status === 410) return 'finished';
    return json(response);
  }

  /**
   * Reports a leased trial's intermediate metrics (`{}` only renews the lease): the answer says whether to go
   * on. A lost lease is a 409 `ApiError`.
   */
  reportTrial(searchId: string, trialNumber: number, report: TrialReport) {
    return json(this.api.v1.searches[':id'].trials[':number'].reports.$post({ param: { id: searchId, number: String(trialNumber) }, json: report }));
  }

  /** Ends a leased trial with its final metrics, or as FAILED with a reason; answers the trial as recorded. A lost lease is a 409 `ApiError`. */
  completeTrial(searchId: string, trialNumber: number, completion: TrialCompletion) {
    return json(this.api.v1.searches[':id'].trials[':number'].complete.$post({ param: { id: searchId, number: String(trialNumber) }, json: completion }));
  }
}

/** A client of the API at `baseUrl` acting with `apiKey`. */
export function createClient(options: ClientOptions): NasClient {
  return new NasClient(options);
}
