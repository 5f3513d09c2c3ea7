import { z } from '@hono/zod-openapi';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { tenantArtifactPrefix } from '../artifacts/tenant-prefix.js';

/**
 * The registry record of a stored predictor: what it predicts and how well it ranks, a few hundred bytes
 * beside its artifact (hundreds of KiB of weights), so that a tenant's predictors can be listed without
 * loading them. Written with every new version of the artifact.
 */
export const PredictorRecordSchema = z
  .object({
    space: z.string(),
    task: z
      .object({ evaluator: z.record(z.string(), z.unknown()), metric: z.string() })
      .openapi({ description: 'What it predicts: `metric` of trials run with `evaluator` (as a search spec names it, without its selection metric)' }),
    encoding: z.enum(['path', 'adjacency']),
    trainingSize: z.int().openapi({ description: 'Distinct architectures it learnt from' }),
    heldOut: z
      .object({ size: z.int(), spearman: z.number().nullable(), kendallTau: z.number().nullable() })
      .nullable()
      .openapi({ description: 'Rank correlation on `size` architectures before it learnt them; null while fewer than 10 were held out' }),
    version: z.string().openapi({ description: "Start of the artifact's content hash: changes whenever it learns" }),
    updatedAt: z.string(),
  })
  .openapi('PredictorRecord');
export type PredictorRecord = z.infer<typeof PredictorRecordSchema>;

/** Where a tenant's predictor for one task lives: `<space>/<task fingerprint>`. */
export interface PredictorLocation {
  readonly tenantId: string;
  readonly taskPath: string;
}

export const artifactKey = ({ tenantId, taskPath }: PredictorLocation) => `${tenantArtifactPrefix(tenantId)}predictors/${taskPath}.json`;
const recordsPrefix = (tenantId: string) => `${tenantArtifactPrefix(tenantId)}predictor-records/`;
const recordKey = ({ tenantId, taskPath }: PredictorLocation) => `${recordsPrefix(tenantId)}${taskPath}.json`;

const parseRecord = (bytes: Uint8Array) => PredictorRecordSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));

export async function writeRecord(artifacts: ArtifactStore, location: PredictorLocation, record: PredictorRecord): Promise<void> {
  await artifacts.put(recordKey(location), JSON.stringify(record));
}

export async function readRecord(artifacts: ArtifactStore, location: PredictorLocation): Promise<PredictorRecord | undefined> {
  const bytes = await artifacts.get(recordKey(location));
  return bytes && parseRecord(bytes);
}

/** Every predictor of the tenant, by space, then most recently updated first. */
export async function listRecords(artifacts: ArtifactStore, tenantId: string): Promise<PredictorRecord[]> {
  const keys = await artifacts.list(recordsPrefix(tenantId));
  const records = await Promise.all(keys.map(async (key) => artifacts.get(key)));
  return records
    .filter((bytes): bytes is Uint8Array => bytes !== undefined)
    .map(parseRecord)
    .sort((a, b) => a.space.localeCompare(b.space) || b.updatedAt.localeCompare(a.updatedAt));
}
