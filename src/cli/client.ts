import type { Catalog } from '../api/routes/catalog.js';
import type { DatasetDescription, DatasetList } from '../api/routes/datasets.js';
import type { ModelExport } from '../api/routes/models.js';
import type { PredictionRequest, PredictionResponse } from '../api/routes/predictions.js';
import type { PredictorList } from '../api/routes/predictors.js';
import type { ParetoFront } from '../api/routes/trials.js';
import type { CreatedSearchView, SearchView, TrialView } from '../api/views.js';
import type { Page } from '../store/store.js';
import type { SearchSpecInput } from '../search/spec.js';

/** A problem+json answer from the service, kept whole so the CLI can name the offending fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: { field: string; message: string }[] },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** Thrown when nothing answers at the service URL. */
export class ServiceUnreachable extends Error {}

/** The CLI's view of the HTTP API. */
export class NasClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** Sends `body` as JSON, or as raw bytes when it is a `Uint8Array`. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const raw = body instanceof Uint8Array;
    try {
      return await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }),
        },
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      });
    } catch {
      throw new ServiceUnreachable(
        `cannot reach the service at ${this.baseUrl}: start it with 'npm start' (or 'nas serve'), or point NAS_URL / --url at it`,
      );
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, (parsed ?? {}) as ApiError['problem']);
    return parsed as T;
  }

  createSearch(spec: SearchSpecInput): Promise<CreatedSearchView> {
    return this.request('POST', '/v1/searches', spec);
  }

  getSearch(id: string): Promise<SearchView> {
    return this.request('GET', `/v1/searches/${encodeURIComponent(id)}`);
  }

  listSearches(limit = 50): Promise<Page<SearchView>> {
    return this.request('GET', `/v1/searches?limit=${limit}`);
  }

  stopSearch(id: string): Promise<SearchView> {
    return this.request('POST', `/v1/searches/${encodeURIComponent(id)}/stop`);
  }

  async allTrials(id: string): Promise<TrialView[]> {
    const trials: TrialView[] = [];
    let nextToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '1000', ...(nextToken ? { nextToken } : {}) });
      const page = await this.request<Page<TrialView>>('GET', `/v1/searches/${encodeURIComponent(id)}/trials?${query}`);
      trials.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return trials;
  }

  catalog(): Promise<Catalog> {
    return this.request('GET', '/v1/catalog');
  }

  pareto(id: string): Promise<ParetoFront> {
    return this.request('GET', `/v1/searches/${encodeURIComponent(id)}/pareto`);
  }

  modelExport(id: string, trialNumber: number): Promise<ModelExport> {
    return this.request('GET', `/v1/searches/${encodeURIComponent(id)}/trials/${trialNumber}/model`);
  }

  /** The bytes at a path the service handed out (an export's file `href`). */
  async download(path: string): Promise<Uint8Array> {
    const response = await this.send('GET', path);
    if (!response.ok) throw new ApiError(response.status, (await response.json().catch(() => ({}))) as ApiError['problem']);
    return new Uint8Array(await response.arrayBuffer());
  }

  bestTrial(id: string): Promise<TrialView> {
    return this.request('GET', `/v1/searches/${encodeURIComponent(id)}/best`);
  }

  predict(request: PredictionRequest): Promise<PredictionResponse> {
    return this.request('POST', '/v1/predictions', request);
  }

  datasets(): Promise<DatasetList> {
    return this.request('GET', '/v1/datasets');
  }

  /** Uploads one file of a dataset into the tenant's own artifacts. */
  uploadDatasetFile(name: string, file: string, bytes: Uint8Array): Promise<void> {
    return this.request('PUT', `/v1/datasets/${encodeURIComponent(name)}/files/${encodeURIComponent(file)}`, bytes);
  }

  /** Checks an uploaded dataset whole and describes it, with the reference a search names. */
  dataset(name: string): Promise<DatasetDescription> {
    return this.request('GET', `/v1/datasets/${encodeURIComponent(name)}`);
  }

  deleteDataset(name: string): Promise<void> {
    return this.request('DELETE', `/v1/datasets/${encodeURIComponent(name)}`);
  }

  addDatasetSource(uri: string): Promise<{ uri: string; createdAt: string }> {
    return this.request('POST', '/v1/dataset-sources', { uri });
  }

  removeDatasetSource(uri: string): Promise<void> {
    return this.request('DELETE', `/v1/dataset-sources?${new URLSearchParams({ uri })}`);
  }

  /** The tenant's predictors, of one space when `space` is given. */
  predictors(space?: string): Promise<PredictorList> {
    return this.request('GET', `/v1/predictors${space === undefined ? '' : `?${new URLSearchParams({ space })}`}`);
  }
}
