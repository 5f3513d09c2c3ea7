import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types; it is a real S3 implementation used only in tests.
import S3rver from 's3rver';
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { S3ArtifactStore } from '../../src/artifacts/s3-artifact-store.js';

/** An artifact store for one test suite, and how to throw it away. */
export interface ArtifactStoreFixture {
  readonly store: ArtifactStore;
  close(): Promise<void>;
}

/** The local adapter on a temporary folder. */
export async function directoryStoreFixture(): Promise<ArtifactStoreFixture> {
  const root = await mkdtemp(join(tmpdir(), 'nas-artifacts-'));
  return { store: new DirectoryArtifactStore(root), close: () => rm(root, { recursive: true, force: true }) };
}

/** The S3 adapter against s3rver, a real S3 implementation, through the real SDK client; keys under `stage/`. */
export async function s3StoreFixture(): Promise<ArtifactStoreFixture> {
  const s3 = await startS3rver();
  return { store: s3.store('stage/'), close: s3.close };
}

export interface S3rverFixture {
  readonly client: S3Client;
  readonly bucket: string;
  /** An artifact store on the bucket, its keys under `keyPrefix`. */
  store(keyPrefix?: string): S3ArtifactStore;
  close(): Promise<void>;
}

/** s3rver on a loopback port with one empty bucket, and the real SDK client pointed at it. */
export async function startS3rver(bucket = 'artifacts'): Promise<S3rverFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'nas-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    client,
    bucket,
    store: (keyPrefix = '') => new S3ArtifactStore({ client, bucket, keyPrefix }),
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
