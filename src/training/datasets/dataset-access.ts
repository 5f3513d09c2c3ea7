import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { PrefixedArtifactStore } from '../../artifacts/prefixed-artifact-store.js';
import { tenantArtifactPrefix } from '../../artifacts/tenant-prefix.js';
import { InvalidRequest, Unavailable } from '../../errors.js';
import type { BuiltinDataset } from './builtin-dataset.js';
import { MANIFEST_FILE, prefixStem } from './user-dataset-format.js';

/** Where a dataset comes from, as named by a search: a built-in, or a user dataset in some store. */
export type DatasetRef =
  | { readonly kind: 'builtin'; readonly dataset: BuiltinDataset }
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  /** A path in the caller's own part of the artifact store (`tenants/<t>/<path>`). */
  | { readonly kind: 'artifacts'; readonly path: string };

/** The operator's folder of `dir:` datasets, and a reader of any folder under it (a directory store). */
export interface DatasetFolders {
  readonly root: string;
  open(folder: string): ArtifactStore;
}

/** Where uploaded datasets live in a tenant's part of the artifact store: `artifacts:datasets/<name>`. */
export const UPLOADED_DATASETS_FOLDER = 'datasets/';

/**
 * What one tenant may read datasets from. Every user dataset reference is resolved here, at the API when a
 * search is created and again in the job that reads it, so that a reference can only ever reach:
 * - `artifacts:<path>`: the caller's own `tenants/<t>/<path>`, whatever the path says;
 * - `dir:<path>`: a folder under `folders.root`, the datasets folder the operator allows (local service
 *   only; absent in the cloud, where `dir:` is refused);
 * - `s3://<bucket>/<prefix>`: a prefix under one of the tenant's registered `s3Sources`.
 */
export interface DatasetAccess {
  readonly tenantId: string;
  /** The service's artifact store (the tenant's view of it is taken here). */
  readonly artifacts?: ArtifactStore;
  /** The operator's datasets folder; `dir:` datasets are refused without one. */
  readonly folders?: DatasetFolders;
  /** The S3 prefixes the tenant registered (`s3://bucket/prefix/`). */
  readonly s3Sources?: readonly string[];
  /** Opens an S3 bucket (with the tenant's credentials in the cloud). */
  readonly openS3Bucket?: (bucket: string) => ArtifactStore;
}

/** The store and prefix a user dataset is read from. */
export interface DatasetLocation {
  readonly store: ArtifactStore;
  readonly prefix: string;
}

export type UserDatasetRef = Exclude<DatasetRef, { kind: 'builtin' }>;

/** The same answer for a folder outside the root, one that does not exist and one that leads out by a link. */
const outsideRoot = (path: string) =>
  new InvalidRequest('dataset', `dir:${path} is not a folder under the service's datasets folder (NAS_DATASETS_ROOT); name datasets relative to it, e.g. dir:my-digits`);

/** `path` under `root`, or undefined when it would leave it (by `..`, an absolute path, or a link). */
async function folderUnderRoot(root: string, path: string): Promise<string | undefined> {
  const inside = (base: string, candidate: string) => {
    const rel = relative(base, candidate);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
  };
  const candidate = resolve(root, path);
  if (!inside(resolve(root), candidate)) return undefined;
  try {
    // Links are followed before the check, so a link inside the root cannot lead out of it.
    const [realRoot, real] = await Promise.all([realpath(root), realpath(candidate)]);
    return inside(realRoot, real) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** `s3://bucket/prefix` as a key stem (`bucket`, `prefix/`), for comparing with registered sources. */
function s3Uri(bucket: string, prefix: string): string {
  return `s3://${bucket}/${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}`;
}

/**
 * Where `ref` may be read from for `access`'s tenant. Throws `InvalidRequest` on the field `dataset` for a
 * reference the tenant may not use; the message never says whether anything exists where it may not look.
 */
export async function locateUserDataset(ref: UserDatasetRef, access: DatasetAccess): Promise<DatasetLocation> {
  switch (ref.kind) {
    case 'artifacts':
      if (!access.artifacts) throw new Unavailable('this service has no artifact store to read artifacts: datasets from');
      return { store: new PrefixedArtifactStore(access.artifacts, tenantArtifactPrefix(access.tenantId)), prefix: ref.path };
    case 'directory': {
      if (access.folders === undefined) {
        throw new InvalidRequest('dataset', "dir: datasets are not allowed on this service; upload the dataset (nas datasets upload) and use the artifacts: reference it returns");
      }
      const folder = await folderUnderRoot(access.folders.root, ref.path);
      if (folder === undefined) throw outsideRoot(ref.path);
      return { store: access.folders.open(folder), prefix: '' };
    }
    case 's3': {
      requireRegisteredSource(ref, access);
      if (!access.openS3Bucket) throw new Unavailable(`cannot read s3://${ref.bucket}/${ref.prefix}: no S3 access is configured here`);
      return { store: access.openS3Bucket(ref.bucket), prefix: ref.prefix };
    }
  }
}

/** Refuses an `s3://` reference outside every prefix the tenant registered. */
function requireRegisteredSource(ref: Extract<DatasetRef, { kind: 's3' }>, access: DatasetAccess): void {
  const uri = s3Uri(ref.bucket, ref.prefix);
  if (!(access.s3Sources ?? []).some((source) => uri.startsWith(source))) {
    throw new InvalidRequest('dataset', `${uri} is not under an S3 dataset source of this tenant: register the bucket or prefix first (POST /v1/dataset-sources)`);
  }
}

/**
 * What the API checks of a user dataset before accepting a search: the tenant may read the reference, and
 * (where the API can look: the tenant's artifacts, the operator's folder) a manifest is there. The job
 * reads and checks every shard. Errors are `InvalidRequest` on the field `dataset`.
 */
export async function checkUserDataset(ref: UserDatasetRef, label: string, access: DatasetAccess): Promise<void> {
  if (ref.kind === 's3') return requireRegisteredSource(ref, access);
  const { store, prefix } = await locateUserDataset(ref, access);
  if ((await store.get(prefixStem(prefix) + MANIFEST_FILE)) === undefined) {
    throw new InvalidRequest('dataset', `no dataset at ${label} (no ${MANIFEST_FILE}): upload one with nas datasets upload, or see GET /v1/datasets`);
  }
}
