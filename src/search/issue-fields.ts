import type { ZodError } from 'zod';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** A path into a document as a user writes it: `objectives[0].metric`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (field, key) => (typeof key === 'number' ? `${field}[${key}]` : field ? `${field}.${String(key)}` : String(key)),
    '',
  );
}

/**
 * zod issues as `{field, message}` with fields written as a user writes them (`objectives[0].metric`).
 * Unknown keys are named one by one, so the fix is obvious; `prefix` places a nested document's fields.
 */
export function issueFields(error: ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldPath([...prefix, ...issue.path, key]), message: 'unknown field' }))
      : [{ field: fieldPath([...prefix, ...issue.path]), message: issue.message }],
  );
}
