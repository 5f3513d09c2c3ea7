import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { Unavailable } from '../../errors.js';
import { issueFields } from '../../search/issue-fields.js';
import { SPLIT_NAMES, valuesPerSample, type DataSplit, type Dataset, type SplitName } from './dataset.js';
import { InvalidDataset, type DatasetProblem } from './invalid-dataset.js';
import {
  BYTES_PER_VALUE,
  DatasetManifestSchema,
  MANIFEST_FILE,
  prefixStem,
  requireLittleEndian,
  type DatasetManifest,
  type Shard,
} from './user-dataset-format.js';

/** Problems reported at most, so that a dataset broken everywhere still gives a readable error. */
const MAX_PROBLEMS = 25;
/** Values one split's x may hold (1 GiB): beyond it a typed array cannot be allocated or trained on in one job. */
const MAX_SPLIT_VALUES = 2 ** 28;

function parseManifest(bytes: Uint8Array, file: string, label: string): DatasetManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InvalidDataset(label, [{ file, field: '', message: `not JSON: ${(error as Error).message}` }]);
  }
  const parsed = DatasetManifestSchema.safeParse(json);
  if (!parsed.success) throw new InvalidDataset(label, issueFields(parsed.error).slice(0, MAX_PROBLEMS).map((issue) => ({ file, ...issue })));
  return parsed.data;
}

/** One array of one shard: where its file is, where its values go in the split's array, what they must be. */
interface ShardArray {
  readonly file: string;
  readonly field: string;
  readonly target: Float32Array | Int32Array;
  readonly offset: number;
  readonly length: number;
  readonly valuesPerSample: number;
  readonly layout: string;
  readonly valid: (value: number) => boolean;
  readonly validRange: string;
}

/** Copies a shard file into its place in the split's array, or says why it cannot. */
async function readShardArray(store: ArtifactStore, array: ShardArray): Promise<DatasetProblem | undefined> {
  const problem = (message: string) => ({ file: array.file, field: array.field, message });
  const bytes = await store.get(array.file);
  if (bytes === undefined) return problem('file not found');
  const expected = array.length * BYTES_PER_VALUE;
  if (bytes.byteLength !== expected) return problem(`expected ${expected} bytes (${array.layout}), got ${bytes.byteLength}`);
  new Uint8Array(array.target.buffer, array.offset * BYTES_PER_VALUE, expected).set(bytes);
  const values = array.target.subarray(array.offset, array.offset + array.length);
  let bad = 0;
  let first = -1;
  values.forEach((value, index) => {
    if (array.valid(value)) return;
    bad++;
    if (first < 0) first = index;
  });
  if (bad === 0) return undefined;
  const sample = Math.floor(first / array.valuesPerSample);
  return problem(`${bad} value(s) outside ${array.validRange}; the first is ${values[first]}, in sample ${sample} of this shard`);
}

async function readSplit(store: ArtifactStore, stem: string, manifest: DatasetManifest, split: SplitName): Promise<{ split: DataSplit; problems: DatasetProblem[] }> {
  const shards: readonly Shard[] = manifest.splits[split];
  const inputValues = valuesPerSample(manifest.inputShape);
  const targetValues = valuesPerSample(manifest.targetShape);
  const count = shards.reduce((total, shard) => total + shard.count, 0);
  if (count * Math.max(inputValues, targetValues) > MAX_SPLIT_VALUES) {
    const problem = { file: stem + MANIFEST_FILE, field: `splits.${split}`, message: `${count} samples of ${inputValues} values are more than one job can load (${MAX_SPLIT_VALUES} values)` };
    return { split: { x: new Float32Array(0), y: new Int32Array(0), count: 0 }, problems: [problem] };
  }
  const x = manifest.inputType === 'int32' ? new Int32Array(count * inputValues) : new Float32Array(count * inputValues);
  const y = new Int32Array(count * targetValues);
  const masked = shards.some((shard) => shard.mask !== undefined);
  const mask = masked ? new Float32Array(count * targetValues) : undefined;

  const isClass = (value: number) => value >= 0 && value < manifest.classes;
  const classRange = `[0, ${manifest.classes}) (classes)`;
  const problems: DatasetProblem[] = [];
  const arrays: ShardArray[] = [];
  let firstSample = 0;
  shards.forEach((shard, index) => {
    const field = `splits.${split}[${index}]`;
    const place = (values: number) => ({ offset: firstSample * values, length: shard.count * values, valuesPerSample: values });
    arrays.push({
      file: stem + shard.x,
      field: `${field}.x`,
      target: x,
      ...place(inputValues),
      layout: `${shard.count} samples x ${inputValues} ${manifest.inputType} values`,
      ...(manifest.inputType === 'int32' ? { valid: isClass, validRange: classRange } : { valid: Number.isFinite, validRange: 'the finite numbers' }),
    });
    arrays.push({ file: stem + shard.y, field: `${field}.y`, target: y, ...place(targetValues), layout: `${shard.count} samples x ${targetValues} int32 labels`, valid: isClass, validRange: classRange });
    if (mask && shard.mask === undefined) problems.push({ file: stem + MANIFEST_FILE, field: `${field}.mask`, message: 'missing, while other shards of this split have one' });
    if (mask && shard.mask !== undefined) {
      const weight = (value: number) => Number.isFinite(value) && value >= 0;
      arrays.push({ file: stem + shard.mask, field: `${field}.mask`, target: mask, ...place(targetValues), layout: `${shard.count} samples x ${targetValues} float32 weights`, valid: weight, validRange: 'the finite weights >= 0' });
    }
    firstSample += shard.count;
  });
  const found = await Promise.all(arrays.map((array) => readShardArray(store, array)));
  return { split: { x, y, count, ...(mask ? { mask } : {}) }, problems: [...problems, ...found.filter((problem) => problem !== undefined)] };
}

/**
 * Reads and checks the user dataset under `prefix` of `store`: the manifest against its schema, every
 * shard's byte length against the manifest's shapes and counts, every label (and int32 input) against
 * `classes`, every float for being finite. Throws `Unavailable` when there is no manifest and
 * `InvalidDataset` listing every problem (up to 25) otherwise. `label` names the dataset in errors.
 */
export async function readUserDataset(store: ArtifactStore, prefix: string, label: string): Promise<Dataset> {
  requireLittleEndian();
  const stem = prefixStem(prefix);
  const manifestFile = stem + MANIFEST_FILE;
  const manifestBytes = await store.get(manifestFile);
  if (manifestBytes === undefined) throw new Unavailable(`no dataset at ${label}: ${manifestFile} not found`);
  const manifest = parseManifest(manifestBytes, manifestFile, label);
  const [train, validation, test] = await Promise.all(SPLIT_NAMES.map((split) => readSplit(store, stem, manifest, split)));
  const problems = [train!, validation!, test!].flatMap((read) => read.problems);
  if (problems.length > 0) throw new InvalidDataset(label, problems.slice(0, MAX_PROBLEMS));
  return {
    name: manifest.name,
    description: manifest.description,
    inputShape: manifest.inputShape,
    inputType: manifest.inputType,
    targetShape: manifest.targetShape,
    classes: manifest.classes,
    ...(manifest.vocabulary ? { vocabulary: manifest.vocabulary } : {}),
    train: train!.split,
    validation: validation!.split,
    test: test!.split,
  };
}
