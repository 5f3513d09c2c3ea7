import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { loadModelArtifacts, saveModelArtifacts } from './model-artifacts.js';

/**
 * A training job's checkpoint after a finished epoch: the model, the optimizer's state (Adam's moments
 * included, so a resumed run continues the same trajectory) and how far it got. A job on a reclaimed Spot
 * instance resumes from here instead of from scratch.
 */
export interface Checkpoint {
  readonly epoch: number;
  /** Training seconds spent up to and including `epoch`, across every container of the attempt. */
  readonly seconds: number;
  readonly model: tf.LayersModel;
  readonly optimizerWeights: Awaited<ReturnType<tf.Optimizer['getWeights']>>;
}

interface CheckpointManifest {
  readonly epoch: number;
  readonly seconds: number;
  readonly optimizer: { readonly name: string; readonly shape: number[]; readonly dtype: 'float32' }[];
}

const MANIFEST = 'checkpoint.json';
const OPTIMIZER = 'optimizer.bin';

/** Saves a checkpoint under `prefix`; the manifest goes last, so a half-written checkpoint is never read. */
export async function saveCheckpoint(
  store: ArtifactStore,
  prefix: string,
  progress: { epoch: number; seconds: number },
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<void> {
  await saveModelArtifacts(store, prefix, model);
  const weights = await optimizer.getWeights();
  const values = await Promise.all(weights.map((w) => w.tensor.data<'float32'>()));
  const bytes = new Float32Array(values.reduce((total, v) => total + v.length, 0));
  let offset = 0;
  for (const value of values) {
    bytes.set(value, offset);
    offset += value.length;
  }
  await store.put(prefix + OPTIMIZER, new Uint8Array(bytes.buffer));
  const manifest: CheckpointManifest = {
    ...progress,
    optimizer: weights.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: 'float32' })),
  };
  await store.put(prefix + MANIFEST, JSON.stringify(manifest));
}

/** The checkpoint under `prefix`, or undefined when the trial has none yet. */
export async function loadCheckpoint(store: ArtifactStore, prefix: string): Promise<Checkpoint | undefined> {
  const manifestBytes = await store.get(prefix + MANIFEST);
  if (!manifestBytes) return undefined;
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as CheckpointManifest;
  const model = await loadModelArtifacts(store, prefix);
  const optimizerBytes = await store.get(prefix + OPTIMIZER);
  if (!model || !optimizerBytes) return undefined;
  const values = new Float32Array(optimizerBytes.buffer.slice(optimizerBytes.byteOffset, optimizerBytes.byteOffset + optimizerBytes.byteLength));
  let offset = 0;
  const optimizerWeights = manifest.optimizer.map(({ name, shape }) => {
    const size = shape.reduce((product, n) => product * n, 1);
    const tensor = tf.tensor(values.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    return { name, tensor };
  });
  return { epoch: manifest.epoch, seconds: manifest.seconds, model, optimizerWeights };
}
