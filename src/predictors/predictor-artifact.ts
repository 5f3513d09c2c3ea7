import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequest } from '../errors.js';
import { issueFields } from '../search/issue-fields.js';
import { COST_FEATURE_COUNT } from './cost-features.js';
import { PredictorOptionsSchema } from './predictor-options.js';

export const ARTIFACT_FORMAT = 'serverless-nas/predictor';
export const ARTIFACT_VERSION = 1;

const ScaleSchema = z.strictObject({ mean: z.number(), std: z.number().positive() });

const RankScoreSchema = z.strictObject({
  size: z.number().int().positive(),
  spearman: z.number().nullable(),
  kendallTau: z.number().nullable(),
});

/**
 * A trained predictor as plain JSON, complete enough to predict and to keep learning: the training set
 * travels with the weights so that `update` after `fromJSON` trains on the same rows as before it.
 * Weights are little-endian float32, base64, one string per parameter tensor (see `parameterShapes`);
 * `hash` is the SHA-256 of everything else, so an artifact names its exact content.
 */
export const PredictorArtifactSchema = z.strictObject({
  format: z.literal(ARTIFACT_FORMAT),
  version: z.literal(ARTIFACT_VERSION),
  space: z.string(),
  encoding: z.enum(['adjacency', 'path']),
  inputSize: z.number().int().positive(),
  seed: z.number().int(),
  options: PredictorOptionsSchema,
  /** Targets are standardised with these before training; predictions are scaled back. */
  targetScale: ScaleSchema,
  /** With `options.costFeatures`: the standardisation of log parameters and log FLOPs, in that order. */
  costScale: z.array(ScaleSchema).length(COST_FEATURE_COUNT).optional(),
  training: z.strictObject({ archs: z.array(z.string()), targets: z.array(z.number()) }),
  /** Rank correlation on architectures the ensemble had not yet seen, or null when too few were held out. */
  heldOut: RankScoreSchema.nullable(),
  /** The xoroshiro128+ state of `Rng` (four 32-bit integers). */
  rngState: z.array(z.number().int()).length(4),
  parameters: z.array(z.string()),
  hash: z.string(),
});

export type PredictorArtifact = z.output<typeof PredictorArtifactSchema>;
export type RankScore = z.output<typeof RankScoreSchema>;

export function float32ToBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The float32 values of a base64 string, or undefined when its bytes are not a whole number of them. */
export function base64ToFloat32(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % Float32Array.BYTES_PER_ELEMENT !== 0) return undefined;
  // Copied into a fresh buffer: a Float32Array view needs 4-byte alignment, which Buffer pooling does not promise.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function contentHash(body: Omit<PredictorArtifact, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** Validates an artifact's shape; throws `InvalidRequest` naming the field (`artifact.options.members`). */
export function parseArtifact(json: unknown): PredictorArtifact {
  const result = PredictorArtifactSchema.safeParse(json);
  if (!result.success) {
    const [first] = issueFields(result.error, ['artifact']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return result.data;
}
