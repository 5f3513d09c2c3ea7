import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { directoryStoreFixture, s3StoreFixture, startS3rver, type ArtifactStoreFixture } from './store-fixtures.js';

describe.each([
  ['directory', directoryStoreFixture],
  ['s3', s3StoreFixture],
])('%s artifact store', (_name, makeFixture) => {
  let fixture: ArtifactStoreFixture;
  beforeAll(async () => {
    fixture = await makeFixture();
  });
  afterAll(() => fixture.close());

  it('returns what was put, bytes and text alike, and undefined for an unknown key', async () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    await fixture.store.put('a/weights.bin', bytes);
    await fixture.store.put('a/model.json', '{"format":"layers-model"}');
    expect(await fixture.store.get('a/weights.bin')).toEqual(bytes);
    expect(new TextDecoder().decode(await fixture.store.get('a/model.json'))).toBe('{"format":"layers-model"}');
    expect(await fixture.store.get('a/missing.bin')).toBeUndefined();
  });

  it('overwrites, lists by prefix in order and deletes a prefix only', async () => {
    await fixture.store.put('runs/2/b', 'old');
    await fixture.store.put('runs/2/b', 'new');
    await fixture.store.put('runs/2/a', 'x');
    await fixture.store.put('runs/10/a', 'y');
    expect(new TextDecoder().decode(await fixture.store.get('runs/2/b'))).toBe('new');
    expect(await fixture.store.list('runs/2/')).toEqual(['runs/2/a', 'runs/2/b']);
    await fixture.store.deletePrefix('runs/2/');
    expect(await fixture.store.list('runs/')).toEqual(['runs/10/a']);
    await expect(fixture.store.deletePrefix('')).rejects.toThrow(/non-empty prefix/);
  });
});

describe('directory artifact store', () => {
  it('refuses keys that leave its root', async () => {
    const { store, close } = await directoryStoreFixture();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/leaves the store/);
    await close();
  });
});

describe('s3 artifact store download URLs', () => {
  it('signs a URL that fetches the object without credentials, for the time asked only', async () => {
    const s3 = await startS3rver();
    try {
      const store = s3.store('stage/');
      const bytes = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
      await store.put('model/weights.bin', bytes);

      const url = new URL(await store.downloadUrl('model/weights.bin', 120));

      expect(url.pathname).toBe(`/${s3.bucket}/stage/model/weights.bin`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);

      // Signed ten minutes ago for five: S3 refuses it.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() - 600_000);
      const expired = await store.downloadUrl('model/weights.bin', 300);
      vi.useRealTimers();
      const refused = await fetch(expired);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(/expired/i);
    } finally {
      vi.useRealTimers();
      await s3.close();
    }
  });

  it('is absent from the directory store, whose files the API serves itself', async () => {
    const store: ArtifactStore = new DirectoryArtifactStore(tmpdir());
    expect(store.downloadUrl).toBeUndefined();
  });
});
