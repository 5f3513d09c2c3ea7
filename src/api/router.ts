import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { ApiEnv } from './deps.js';
import { problemResponse, validationProblem } from './problem.js';

/** A router whose request validation failures are problem+json responses naming the fields. */
export function newRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) return problemResponse(validationProblem(result.error, result.target));
    },
  });
}

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  nextToken: z.string().max(2000).optional(),
});

/** IETF draft-ietf-httpapi-idempotency-key-header: a client-chosen key that makes a POST safe to retry. */
export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({ description: 'Idempotency-Key: makes a retried POST return the first result', example: 'retry-safe-7f3c' }),
});

export const SearchIdParamSchema = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: '01JD5Q9ZKX3M0QF8H2V6R4T7WB' }),
});

export const TrialParamsSchema = SearchIdParamSchema.extend({
  number: z.coerce.number().int().min(1).openapi({ param: { name: 'number', in: 'path' }, example: 42 }),
});

/** An OpenAPI response whose body is JSON of `schema`. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}
