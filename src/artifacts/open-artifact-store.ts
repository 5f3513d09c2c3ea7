import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { TableShelf } from '../evaluators/imported-table.js';
import type { ArtifactStore } from './artifact-store.js';
import { DirectoryArtifactStore } from './directory-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** Opens S3 buckets as artifact stores, sharing one client (with `config`: e.g. a tenant's credentials). */
export function s3BucketOpener(config: S3ClientConfig = {}): (bucket: string, keyPrefix?: string) => ArtifactStore {
  let client: S3Client | undefined;
  return (bucket, keyPrefix = '') => new S3ArtifactStore({ client: (client ??= new S3Client(config)), bucket, keyPrefix });
}

const openS3Bucket = s3BucketOpener();

/**
 * The artifact store at `location` (`NAS_ARTIFACTS`): `s3://<bucket>/<prefix>` in the cloud, a directory
 * path locally. `openBucket` opens the bucket: one client with the process's credentials unless told.
 */
export function openArtifactStore(location: string, openBucket = openS3Bucket): ArtifactStore {
  if (!location.startsWith('s3://')) return new DirectoryArtifactStore(location);
  const [bucket = '', ...prefix] = location.slice('s3://'.length).split('/');
  if (bucket === '') throw new Error(`NAS_ARTIFACTS must name a bucket: s3://<bucket>/<prefix>, got '${location}'`);
  const keyPrefix = prefix.filter(Boolean).map((part) => `${part}/`).join('');
  return openBucket(bucket, keyPrefix);
}

/**
 * Where `key` of the artifact store at `location` is, as a URI a program outside this one can use:
 * `s3://<bucket>/<prefix>/<key>`, or a `file:` URL under the directory.
 */
export function artifactUri(location: string, key: string): string {
  if (location.startsWith('s3://')) return `${location.replace(/\/+$/, '')}/${key}`;
  const url = pathToFileURL(join(resolve(location), key)).href;
  return key.endsWith('/') && !url.endsWith('/') ? `${url}/` : url;
}

/** The buckets of `s3://<bucket>/<prefix>` locations; none for a directory. */
export function s3BucketsOf(...locations: (string | undefined)[]): string[] {
  return locations.flatMap((location) => (location?.startsWith('s3://') ? [location.slice('s3://'.length).split('/')[0]!] : []));
}

/** The shelf of imported benchmark tables at `location` (`NAS_TABLES`): a directory, or `s3://<bucket>/<prefix>`. */
export function openTableShelf(location: string): TableShelf {
  return { store: openArtifactStore(location), location: location.replace(/\/+$/, '') };
}
