import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types; it is a real S3 implementation used only here.
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { S3ArtifactStore } from '../../src/artifacts/s3-artifact-store.js';

interface Fixture {
  readonly store: ArtifactStore;
  close(): Promise<void>;
}

async function directoryFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'nas-artifacts-'));
  return { store: new DirectoryArtifactStore(root), close: () => rm(root, { recursive: true, force: true }) };
}

/** The S3 adapter against s3rver, a real S3 implementation, through the real SDK client. */
async function s3Fixture(): Promise<Fixture> {
  const directory = await mkdtemp(join(tmpdir(), 'nas-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'artifacts', configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    store: new S3ArtifactStore({ client, bucket: 'artifacts', keyPrefix: 'stage/' }),
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

describe.each([
  ['directory', directoryFixture],
  ['s3', s3Fixture],
])('%s artifact store', (_name, makeFixture) => {
  let fixture: Fixture;
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
    const { store, close } = await directoryFixture();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/leaves the store/);
    await close();
  });
});
