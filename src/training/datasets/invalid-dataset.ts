/** One problem in a user dataset: the file (manifest or shard), the manifest field, what is wrong. */
export interface DatasetProblem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

/**
 * A user dataset whose manifest or shards break the format of docs/datasets.md. Every problem found is
 * reported at once, each naming its file and field, so one round of fixes is enough.
 */
export class InvalidDataset extends Error {
  override readonly name = 'InvalidDataset';
  constructor(
    readonly dataset: string,
    readonly problems: readonly DatasetProblem[],
  ) {
    super(`${dataset} is not a valid dataset:\n${problems.map((p) => `  - ${p.file}${p.field ? ` (${p.field})` : ''}: ${p.message}`).join('\n')}`);
  }
}
