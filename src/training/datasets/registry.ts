import { z } from 'zod';
import { isRelativeKey } from '../../artifacts/prefixed-artifact-store.js';
import { InvalidRequest } from '../../errors.js';
import { issueFields } from '../../search/issue-fields.js';
import { anbncn } from './anbncn.js';
import { blobs } from './blobs.js';
import type { BuiltinDataset } from './builtin-dataset.js';
import { locateUserDataset, type DatasetAccess, type DatasetRef } from './dataset-access.js';
import type { Dataset, DatasetSummary } from './dataset.js';
import { mnist } from './mnist.js';
import { readUserDataset } from './read-user-dataset.js';
import { sotuWords } from './sotu-words.js';

const BUILTIN_DATASETS: readonly BuiltinDataset[] = [mnist, sotuWords, anbncn, blobs];

/**
 * Parses `mnist` (a built-in name), `dir:<path>`, `s3://<bucket>/<prefix>` or `artifacts:<path>`;
 * anything else is an `InvalidRequest` on the field `dataset`. Whether the caller may read a user
 * dataset is `locateUserDataset`'s to say.
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
  if (ref.startsWith('artifacts:')) {
    const path = ref.slice('artifacts:'.length).replace(/\/$/, '');
    if (!isRelativeKey(path)) {
      throw new InvalidRequest('dataset', "'artifacts:' needs a path in your own artifacts, e.g. artifacts:datasets/my-digits (no empty, . or .. parts)");
    }
    return { kind: 'artifacts', path };
  }
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
  /** What the tenant may read user datasets from; without it, only built-ins load. */
  readonly access?: DatasetAccess;
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
 * Throws `InvalidRequest` for an unknown ref, invalid options or a user dataset the tenant may not read,
 * `Unavailable` when a user dataset's manifest or store is missing, and `InvalidDataset` naming every
 * problem of a malformed one.
 */
export async function loadDataset(ref: string, { options, access }: LoadDatasetOptions = {}): Promise<Dataset> {
  const parsed = parseDatasetRef(ref);
  if (parsed.kind === 'builtin') return loadBuiltin(parsed.dataset, options);
  if (options !== undefined && !(typeof options === 'object' && options !== null && Object.keys(options).length === 0)) {
    throw new InvalidRequest('datasetOptions', `user datasets take no options; ${ref} is described by its manifest`);
  }
  if (!access) throw new InvalidRequest('dataset', `${ref} is a user dataset, and nothing says whose: only built-in datasets load here`);
  const { store, prefix } = await locateUserDataset(parsed, access);
  return readUserDataset(store, prefix, ref);
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
