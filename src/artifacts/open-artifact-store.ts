import { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore } from './artifact-store.js';
import { DirectoryArtifactStore } from './directory-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** Opens an S3 bucket as an artifact store, sharing one client per process. */
export function s3BucketOpener(): (bucket: string, keyPrefix?: string) => ArtifactStore {
  let client: S3Client | undefined;
  return (bucket, keyPrefix = '') => new S3ArtifactStore({ client: (client ??= new S3Client({})), bucket, keyPrefix });
}

const openS3Bucket = s3BucketOpener();

/**
 * The artifact store at `location` (`NAS_ARTIFACTS`): `s3://<bucket>/<prefix>` in the cloud, a directory
 * path locally.
 */
export function openArtifactStore(location: string): ArtifactStore {
  if (!location.startsWith('s3://')) return new DirectoryArtifactStore(location);
  const [bucket = '', ...prefix] = location.slice('s3://'.length).split('/');
  if (bucket === '') throw new Error(`NAS_ARTIFACTS must name a bucket: s3://<bucket>/<prefix>, got '${location}'`);
  const keyPrefix = prefix.filter(Boolean).map((part) => `${part}/`).join('');
  return openS3Bucket(bucket, keyPrefix);
}
