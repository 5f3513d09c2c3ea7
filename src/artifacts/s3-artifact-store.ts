import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ArtifactStore } from './artifact-store.js';

export interface S3ArtifactStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Prepended to every key, so several stages can share a bucket. @default '' */
  readonly keyPrefix?: string;
}

function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && error.name === 'AccessDenied';
}

/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000;

/** The cloud ArtifactStore: one S3 object per key (the bucket is versioned, see cdk/artifacts.ts). */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;

  constructor(options: S3ArtifactStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key, Body: body }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }));
      return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      // S3 tells a missing key (404) only to callers it lets list the bucket there, and answers others 403,
      // as it may credentials that list some prefixes only (cdk/tenant-role.ts). Listing the key tells which.
      if (isAccessDenied(error) && !(await this.isListed(key))) return undefined;
      throw error;
    }
  }

  /** Whether a listing shows `key`; true when the caller may not list it, so that a denial stays one. */
  private async isListed(key: string): Promise<boolean> {
    try {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix + key, MaxKeys: 1 }));
      return page.Contents?.[0]?.Key === this.keyPrefix + key;
    } catch {
      return true;
    }
  }

  /** A presigned GetObject URL, signed locally with this client's credentials (no call to S3). */
  downloadUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + key }), { expiresIn: expiresInSeconds });
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.keyPrefix + prefix });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.keyPrefix.length));
    }
    return keys.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new Error('refusing to delete every artifact: give a non-empty prefix');
    const keys = await this.list(prefix);
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH).map((key) => ({ Key: this.keyPrefix + key }));
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }));
    }
  }
}
