import type { z } from 'zod';
import { InvalidRequest } from '../../errors.js';
import { issueFields } from '../../search/issue-fields.js';
import type { ModelSettings } from './model-builder.js';

/**
 * Validates a builder's settings against its schema and fills in defaults; throws `InvalidRequest` naming
 * the first offending field as `modelSettings.<field>`.
 */
export function parseModelSettings(schema: z.ZodType<ModelSettings>, input: unknown = {}): ModelSettings {
  const result = schema.safeParse(input);
  if (!result.success) {
    const [first] = issueFields(result.error, ['modelSettings']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return result.data;
}
