import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetFoldersAt, DirectoryArtifactStore } from '../../../src/artifacts/directory-artifact-store.js';
import { PrefixedArtifactStore } from '../../../src/artifacts/prefixed-artifact-store.js';
import { InvalidRequest, Unavailable } from '../../../src/errors.js';
import { anbncn } from '../../../src/training/datasets/anbncn.js';
import { blobs } from '../../../src/training/datasets/blobs.js';
import { SPLIT_NAMES, type Dataset } from '../../../src/training/datasets/dataset.js';
import { InvalidDataset, type DatasetProblem } from '../../../src/training/datasets/invalid-dataset.js';
import type { DatasetAccess } from '../../../src/training/datasets/dataset-access.js';
import { loadDataset } from '../../../src/training/datasets/registry.js';
import { writeDataset } from '../../../src/training/datasets/write-user-dataset.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';
import { sameBytes } from './same-bytes.js';

const points = blobs.build({});
const strings = anbncn.build(anbncn.optionsSchema.parse({ trainN: [1, 3], validationN: [4, 5], testN: [6, 7], trainSamples: 40 }));
const folders: string[] = [];
afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

function expectSameDataset(read: Dataset, written: Dataset): void {
  const { train, validation, test, ...description } = read;
  const { train: _t, validation: _v, test: _s, ...expected } = written;
  expect(description).toEqual(expected);
  for (const split of SPLIT_NAMES) {
    expect(read[split].count).toBe(written[split].count);
    expect(read[split].x.constructor).toBe(written[split].x.constructor);
    expect(sameBytes(read[split].x, written[split].x)).toBe(true);
    expect(sameBytes(read[split].y, written[split].y)).toBe(true);
    expect(sameBytes(read[split].mask, written[split].mask)).toBe(true);
  }
}

/** Tenant `t`'s folder of an artifact store (what `artifacts:` refs name), and `t`'s access to the store. */
function tenantFolder() {
  const artifacts = new MemoryArtifactStore();
  return { store: new PrefixedArtifactStore(artifacts, 'tenants/t/'), access: { tenantId: 't', artifacts } };
}

/** A store holding `blobs` under `data/`, in shards of 64 samples, with the manifest as JSON to edit. */
async function storeWithBlobs() {
  const { store, access } = tenantFolder();
  const manifest = await writeDataset(store, 'data', points, { samplesPerShard: 64 });
  const putManifest = (edited: unknown) => store.put('data/manifest.json', JSON.stringify(edited));
  const putInts = (key: string, values: number[]) => store.put(key, new Uint8Array(Int32Array.from(values).buffer));
  return { store, access, manifest: structuredClone(manifest) as Record<string, any>, putManifest, putInts };
}

async function problemsOf(access: DatasetAccess): Promise<readonly DatasetProblem[]> {
  const error = await loadDataset('artifacts:data', { access }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(InvalidDataset);
  expect((error as InvalidDataset).dataset).toBe('artifacts:data');
  return (error as InvalidDataset).problems;
}

describe('user datasets', () => {
  it('read back byte for byte what writeDataset wrote, over several shards', async () => {
    const { store, access } = tenantFolder();
    const manifest = await writeDataset(store, 'datasets/points/', points, { samplesPerShard: 64 });
    expect(manifest.splits.train.map((shard) => shard.count)).toEqual([64, 64, 64, 8]);
    expectSameDataset(await loadDataset('artifacts:datasets/points', { access }), points);
  });

  it('round-trip token sequences with a vocabulary and masks through a directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nas-dataset-'));
    folders.push(root);
    await writeDataset(new DirectoryArtifactStore(join(root, 'strings')), '', strings, { samplesPerShard: 16 });
    expectSameDataset(await loadDataset('dir:strings', { options: {}, access: { tenantId: 't', folders: datasetFoldersAt(root) } }), strings);
  });

  it('read s3:// refs through the S3 store of the named bucket', async () => {
    const store = new MemoryArtifactStore();
    await writeDataset(store, 'team/points', points);
    const opened: string[] = [];
    const access = { tenantId: 't', s3Sources: ['s3://my-bucket/team/'], openS3Bucket: (bucket: string) => (opened.push(bucket), store) };
    const read = await loadDataset('s3://my-bucket/team/points', { access });
    expect(opened).toEqual(['my-bucket']);
    expectSameDataset(read, points);
  });

  it('need a manifest and a configured store', async () => {
    const { access } = tenantFolder();
    await expect(loadDataset('artifacts:nothing-here', { access })).rejects.toBeInstanceOf(Unavailable);
    await expect(loadDataset('artifacts:data', { access: { tenantId: 't' } })).rejects.toBeInstanceOf(Unavailable);
    await expect(loadDataset('s3://bucket/data', { access: { tenantId: 't', s3Sources: ['s3://bucket/'] } })).rejects.toBeInstanceOf(Unavailable);
    await expect(loadDataset('artifacts:data', { options: { layout: 'flat' }, access })).rejects.toMatchObject({
      constructor: InvalidRequest,
      field: 'datasetOptions',
    });
  });

  it('report a manifest that is not JSON', async () => {
    const { store, access } = await storeWithBlobs();
    await store.put('data/manifest.json', '{"name": ');
    expect(await problemsOf(access)).toEqual([{ file: 'data/manifest.json', field: '', message: expect.stringMatching(/^not JSON/) }]);
  });

  it('report each manifest field that breaks the schema: missing split, unknown field, vocabulary size', async () => {
    const { access, manifest, putManifest } = await storeWithBlobs();
    delete manifest.splits.validation;
    manifest.colour = 'blue';
    manifest.vocabulary = ['a', 'b'];
    await putManifest(manifest);
    const problems = await problemsOf(access);
    expect(problems.map((p) => p.field).sort()).toEqual(['colour', 'splits.validation', 'vocabulary']);
    expect(problems.every((p) => p.file === 'data/manifest.json')).toBe(true);
    expect(problems.find((p) => p.field === 'vocabulary')?.message).toMatch(/expected 3 tokens/);
  });

  it('report a split too large to load before reading it', async () => {
    const { access, manifest, putManifest } = await storeWithBlobs();
    manifest.splits.train[0].count = 2 ** 28;
    await putManifest(manifest);
    expect(await problemsOf(access)).toEqual([{ file: 'data/manifest.json', field: 'splits.train', message: expect.stringMatching(/more than one job can load/) }]);
  });

  it('report shard paths that could leave the dataset', async () => {
    const { access, manifest, putManifest } = await storeWithBlobs();
    manifest.splits.test[0].x = '../other/test.x.bin';
    await putManifest(manifest);
    expect((await problemsOf(access)).map((p) => p.field)).toEqual(['splits.test[0].x']);
  });

  it('report a missing shard file and a shard of the wrong byte length, naming file and field', async () => {
    const { access, manifest } = await storeWithBlobs();
    const stored = access.artifacts;
    stored.blobs.delete(`tenants/t/data/${manifest.splits.validation[0].y}`);
    const xKey = `tenants/t/data/${manifest.splits.train[1].x}`;
    await stored.put(xKey, stored.blobs.get(xKey)!.subarray(4));
    expect(await problemsOf(access)).toEqual([
      { file: 'data/train-0001.x.bin', field: 'splits.train[1].x', message: 'expected 512 bytes (64 samples x 2 float32 values), got 508' },
      { file: 'data/validation-0000.y.bin', field: 'splits.validation[0].y', message: 'file not found' },
    ]);
  });

  it('report labels outside [0, classes) and inputs that are not finite', async () => {
    const { store, access, manifest, putInts } = await storeWithBlobs();
    const labels = Array.from(points.test.y);
    labels[7] = 3;
    labels[9] = -1;
    await putInts(`data/${manifest.splits.test[0].y}`, labels);
    const inputs = Float32Array.from(points.validation.x);
    inputs[5] = Number.NaN;
    await store.put(`data/${manifest.splits.validation[0].x}`, new Uint8Array(inputs.buffer));
    expect(await problemsOf(access)).toEqual([
      { file: 'data/validation-0000.x.bin', field: 'splits.validation[0].x', message: '1 value(s) outside the finite numbers; the first is NaN, in sample 2 of this shard' },
      { file: 'data/test-0000.y.bin', field: 'splits.test[0].y', message: '2 value(s) outside [0, 3) (classes); the first is 3, in sample 7 of this shard' },
    ]);
  });

  it('report token ids outside the vocabulary and a split with masks on some shards only', async () => {
    const { store, access } = tenantFolder();
    const manifest = structuredClone(await writeDataset(store, 'data', strings, { samplesPerShard: 16 })) as Record<string, any>;
    delete manifest.splits.train[1].mask;
    await store.put('data/manifest.json', JSON.stringify(manifest));
    const tokens = Array.from(strings.test.x);
    tokens[30] = 5;
    await store.put(`data/${manifest.splits.test[0].x}`, new Uint8Array(Int32Array.from(tokens).buffer));
    expect(await problemsOf(access)).toEqual([
      { file: 'data/manifest.json', field: 'splits.train[1].mask', message: 'missing, while other shards of this split have one' },
      { file: 'data/test-0000.x.bin', field: 'splits.test[0].x', message: '1 value(s) outside [0, 5) (classes); the first is 5, in sample 1 of this shard' },
    ]);
  });
});
