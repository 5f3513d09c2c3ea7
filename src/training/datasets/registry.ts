import { z } from 'zod';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { DirectoryArtifactStore } from '../../artifacts/directory-artifact-store.js';
import { InvalidRequest, Unavailable } from '../../errors.js';
import { issueFields } from '../../search/issue-fields.js';
import { anbncn } from './anbncn.js';
import { blobs } from './blobs.js';
import type { BuiltinDataset } from './builtin-dataset.js';
import type { Dataset, DatasetSummary } from './dataset.js';
import { mnist } from './mnist.js';
import { readUserDataset } from './read-user-dataset.js';
import { sotuWords } from './sotu-words.js';

const BUILTIN_DATASETS: readonly BuiltinDataset[] = [mnist, sotuWords, anbncn, blobs];

/** Where a dataset comes from, as named by a search: a built-in, or a user dataset in some store. */
export type DatasetRef =
  | { readonly kind: 'builtin'; readonly dataset: BuiltinDataset }
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'artifacts'; readonly prefix: string };

/**
 * Parses `mnist` (a built-in name), `dir:<path>`, `s3://<bucket>/<prefix>` or `artifacts:<prefix>`;
 * anything else is an `InvalidRequest` on the field `dataset`.
 */
export function parseDatasetRef(ref: string): DatasetRef {
  if (ref.startsWith('dir:')) {
    const path = ref.slice('dir:'.length);
    if (path === '') throw new InvalidRequest('dataset', "'dir:' needs a directory path, e.g. dir:./my-dataset");
    return { kind: 'directory', path };
  }
  if (ref.startsWith('s3://')) {
    const [bucket = '', ...prefix] = ref.slice('s3://'.length).split('/');
    if (bucket === '') throw new InvalidRequest('dataset', "'s3://' needs a bucket, e.g. s3://my-bucket/datasets/digits");
    return { kind: 's3', bucket, prefix: prefix.join('/') };
  }
  if (ref.startsWith('artifacts:')) return { kind: 'artifacts', prefix: ref.slice('artifacts:'.length) };
  const dataset = BUILTIN_DATASETS.find((builtin) => builtin.name === ref);
  if (!dataset) {
    const names = BUILTIN_DATASETS.map((builtin) => builtin.name).join(', ');
    throw new InvalidRequest('dataset', `unknown dataset '${ref}': expected one of ${names}, or dir:<path>, s3://<bucket>/<prefix>, artifacts:<prefix>`);
  }
  return { kind: 'builtin', dataset };
}

export interface LoadDatasetOptions {
  /** Options of a built-in dataset (see `describeDatasets()`); user datasets take none (`{}` or absent). */
  readonly options?: unknown;
  /** The store that `artifacts:<prefix>` refers to (the service's artifact store). */
  readonly artifacts?: ArtifactStore;
  /** Opens the store of an S3 bucket, for `s3://` refs (the S3 artifact store adapter). */
  readonly openS3Bucket?: (bucket: string) => ArtifactStore;
}

/** Built-ins by name and options, so the trials of a process share one copy of each split. */
const builtinCache = new Map<string, Promise<Dataset>>();

function loadBuiltin(dataset: BuiltinDataset, rawOptions: unknown): Promise<Dataset> {
  const parsed = dataset.optionsSchema.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    const [issue] = issueFields(parsed.error, ['datasetOptions']);
    throw new InvalidRequest(issue?.field ?? 'datasetOptions', issue?.message ?? 'invalid options');
  }
  const key = `${dataset.name} ${JSON.stringify(parsed.data)}`;
  let loaded = builtinCache.get(key);
  if (!loaded) {
    loaded = Promise.resolve().then(() => dataset.build(parsed.data));
    builtinCache.set(key, loaded);
    loaded.catch(() => builtinCache.delete(key));
  }
  return loaded;
}

/**
 * The dataset a search trains on. Built-ins are built once per process and options (then shared: do not
 * write into the arrays); user datasets are read and checked on every call, since their files may change.
 *
 * Throws `InvalidRequest` for an unknown ref or invalid options, `Unavailable` when a user dataset's
 * manifest or store is missing, and `InvalidDataset` naming every problem of a malformed one.
 */
export async function loadDataset(ref: string, { options, artifacts, openS3Bucket }: LoadDatasetOptions = {}): Promise<Dataset> {
  const parsed = parseDatasetRef(ref);
  if (parsed.kind === 'builtin') return loadBuiltin(parsed.dataset, options);
  if (options !== undefined && !(typeof options === 'object' && options !== null && Object.keys(options).length === 0)) {
    throw new InvalidRequest('datasetOptions', `user datasets take no options; ${ref} is described by its manifest`);
  }
  switch (parsed.kind) {
    case 'directory':
      return readUserDataset(new DirectoryArtifactStore(parsed.path), '', ref);
    case 's3':
      if (!openS3Bucket) throw new Unavailable(`cannot read ${ref}: no S3 artifact store is configured`);
      return readUserDataset(openS3Bucket(parsed.bucket), parsed.prefix, ref);
    case 'artifacts':
      if (!artifacts) throw new Unavailable(`cannot read ${ref}: no artifact store is configured`);
      return readUserDataset(artifacts, parsed.prefix, ref);
  }
}

export interface DatasetCatalogEntry extends DatasetSummary {
  /** JSON Schema of the options the dataset takes (every one optional, with its default). */
  readonly options: unknown;
}

/** The built-in datasets with their shapes and split sizes under default options, for the catalog API. */
export function describeDatasets(): DatasetCatalogEntry[] {
  return BUILTIN_DATASETS.map((dataset) => ({
    ...dataset.defaultSummary,
    options: z.toJSONSchema(dataset.optionsSchema, { io: 'input' }),
  }));
}
