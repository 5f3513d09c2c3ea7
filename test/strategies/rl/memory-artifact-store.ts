import type { ArtifactStore } from '../../../src/artifacts/artifact-store.js';

/** An ArtifactStore in a Map, for tests that need no files. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly blobs = new Map<string, Uint8Array>();

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.blobs.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.blobs.get(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.blobs.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new Error('refusing to delete every artifact');
    for (const key of await this.list(prefix)) this.blobs.delete(key);
  }
}
