import * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { MODEL_JSON, MODEL_WEIGHTS } from './model-files.js';

function concatenate(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return bytes;
}

/**
 * Saves a model under `prefix` in TensorFlow.js's own layers-model format (model.json + weights.bin), so an
 * exported model loads with `tf.loadLayersModel` anywhere, with no code of ours.
 */
export async function saveModelArtifacts(store: ArtifactStore, prefix: string, model: tf.LayersModel): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = concatenate(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [MODEL_WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      // Weights first: model.json is what readers look for, so it must never point at missing weights.
      await store.put(prefix + MODEL_WEIGHTS, weights);
      await store.put(prefix + MODEL_JSON, JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Loads a model saved by `saveModelArtifacts`; undefined if there is none under `prefix`. */
export async function loadModelArtifacts(store: ArtifactStore, prefix: string): Promise<tf.LayersModel | undefined> {
  const json = await store.get(prefix + MODEL_JSON);
  const weights = await store.get(prefix + MODEL_WEIGHTS);
  if (!json || !weights) return undefined;
  const { modelTopology, weightsManifest } = JSON.parse(new TextDecoder().decode(json)) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData }));
}
