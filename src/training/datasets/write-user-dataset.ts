import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { SPLIT_NAMES, valuesPerSample, type DataSplit, type Dataset, type SplitName } from './dataset.js';
import { BYTES_PER_VALUE, MANIFEST_FILE, prefixStem, requireLittleEndian, type DatasetManifest, type Shard } from './user-dataset-format.js';

export interface WriteDatasetOptions {
  /**
   * Samples per shard file; a split larger than this is written as several shards.
   * @default 10000
   */
  readonly samplesPerShard?: number;
}

/** Bytes of samples [from, to) of a row-major array with `values` per sample (a view, no copy). */
function sampleBytes(array: Float32Array | Int32Array, values: number, from: number, to: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset + from * values * BYTES_PER_VALUE, (to - from) * values * BYTES_PER_VALUE);
}

async function writeSplit(store: ArtifactStore, stem: string, dataset: Dataset, name: SplitName, samplesPerShard: number): Promise<Shard[]> {
  const split: DataSplit = dataset[name];
  if (split.count === 0) throw new RangeError(`the ${name} split of ${dataset.name} is empty; every split needs samples`);
  const inputValues = valuesPerSample(dataset.inputShape);
  const targetValues = valuesPerSample(dataset.targetShape);
  const shards: Shard[] = [];
  for (let from = 0, index = 0; from < split.count; from += samplesPerShard, index++) {
    const to = Math.min(split.count, from + samplesPerShard);
    const base = `${name}-${String(index).padStart(4, '0')}`;
    const shard: Shard = { count: to - from, x: `${base}.x.bin`, y: `${base}.y.bin`, ...(split.mask ? { mask: `${base}.mask.bin` } : {}) };
    await store.put(stem + shard.x, sampleBytes(split.x, inputValues, from, to));
    await store.put(stem + shard.y, sampleBytes(split.y, targetValues, from, to));
    if (split.mask) await store.put(stem + shard.mask!, sampleBytes(split.mask, targetValues, from, to));
    shards.push(shard);
  }
  return shards;
}

/**
 * Writes `dataset` in the user dataset format (docs/datasets.md) under `prefix` of `store`: shards first,
 * the manifest last, so a reader never finds a manifest naming shards that are not there yet. Returns the
 * manifest written. `loadDataset` reads it back byte for byte.
 *
 * @example
 * await writeDataset(new DirectoryArtifactStore('./my-digits'), '', await loadDataset('mnist'));
 */
export async function writeDataset(store: ArtifactStore, prefix: string, dataset: Dataset, options: WriteDatasetOptions = {}): Promise<DatasetManifest> {
  requireLittleEndian();
  const samplesPerShard = options.samplesPerShard ?? 10_000;
  if (!Number.isInteger(samplesPerShard) || samplesPerShard < 1) throw new RangeError(`samplesPerShard must be a positive integer, got ${samplesPerShard}`);
  const stem = prefixStem(prefix);
  const shards: Partial<Record<SplitName, Shard[]>> = {};
  for (const name of SPLIT_NAMES) shards[name] = await writeSplit(store, stem, dataset, name, samplesPerShard);
  const manifest: DatasetManifest = {
    name: dataset.name,
    description: dataset.description,
    inputShape: [...dataset.inputShape],
    inputType: dataset.inputType,
    targetShape: [...dataset.targetShape],
    classes: dataset.classes,
    ...(dataset.vocabulary ? { vocabulary: [...dataset.vocabulary] } : {}),
    splits: { train: shards.train!, validation: shards.validation!, test: shards.test! },
  };
  await store.put(stem + MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
