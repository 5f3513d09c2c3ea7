import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { homedir, tmpdir } from 'node:os';
import type { ZodError } from 'zod';
import { Conflict, InvalidArchitecture, InvalidRequest, NotFound, TooManyRequests, Unauthorized, Unavailable, VersionConflict } from '../errors.js';
import { issueFields } from '../search/issue-fields.js';
import { InvalidDataset } from '../training/datasets/invalid-dataset.js';

/**
 * RFC 9457 problem details: every error the API returns has this shape and the
 * `application/problem+json` media type. `errors` names each offending field.
 */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    retryAfterSeconds: z.number().optional(),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;

export const problemResponses = {
  400: { description: 'Invalid request', content: { 'application/problem+json': { schema: ProblemSchema } } },
  404: { description: 'Not found', content: { 'application/problem+json': { schema: ProblemSchema } } },
  409: { description: 'Conflicts with the current state', content: { 'application/problem+json': { schema: ProblemSchema } } },
  429: { description: 'Over the rate limit or the active-search quota', content: { 'application/problem+json': { schema: ProblemSchema } } },
  401: { description: 'Missing or unknown API key', content: { 'application/problem+json': { schema: ProblemSchema } } },
  503: { description: 'Temporarily unavailable; retry', content: { 'application/problem+json': { schema: ProblemSchema } } },
} as const;

/** Where files live on servers: POSIX roots, Windows drive and UNC paths, `file:` URLs. */
const FILE_SYSTEM_PATH =
  /file:\/\/[^\s'",;)]*|(?<![\w.~-])\/(?:home|Users|root|tmp|var|usr|opt|etc|srv|mnt|media|work|workspace|private|proc|sys|dev|run|app|lib|snap|nix)\b[^\s'",;)]*|\b[A-Za-z]:\\[^\s'",;)]*|\\\\[^\s'",;)]+/g;
/** This process's own folders, wherever they are: its working folder, temporary and home folders. */
const PROCESS_FOLDER = new RegExp(
  [process.cwd(), tmpdir(), homedir()]
    .filter((folder) => folder.length > 1)
    .map((folder) => `(?<![\\w.~-])${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s'",;)]*`)
    .join('|') || '(?!)', // matches nothing, where every one of them is `/`
  'g',
);

/** A message without the server's file paths, which would tell an attacker how the service is laid out. */
export function withoutServerPaths(message: string): string {
  return message.replace(PROCESS_FOLDER, '<server path>').replace(FILE_SYSTEM_PATH, '<server path>');
}

/** The last defence, whatever produced the message: no problem leaves with a server path in it. */
function scrubbed(problem: Problem): Problem {
  return {
    ...problem,
    title: withoutServerPaths(problem.title),
    detail: withoutServerPaths(problem.detail),
    ...(problem.errors ? { errors: problem.errors.map((e) => ({ field: e.field, message: withoutServerPaths(e.message) })) } : {}),
  };
}

export function problemResponse(problem: Problem): Response {
  return new Response(JSON.stringify(scrubbed(problem)), {
    status: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      ...(problem.status === 503 ? { 'retry-after': '1' } : {}),
      ...(problem.retryAfterSeconds !== undefined ? { 'retry-after': String(Math.ceil(problem.retryAfterSeconds)) } : {}),
      ...(problem.status === 401 ? { 'www-authenticate': 'Bearer realm="serverless-nas"' } : {}),
    },
  });
}

/** One entry per zod issue, naming the field. */
export function validationProblem(error: ZodError, target: string): Problem {
  const errors = issueFields(error).map((e) => ({ ...e, field: e.field || target }));
  return {
    type: '/problems/invalid-request',
    title: 'Invalid request',
    status: 400,
    detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  };
}

/** The one place where typed errors become HTTP statuses. Anything unexpected is a 500 and is logged. */
export function errorToProblem(error: unknown, c: Context): Problem {
  if (error instanceof InvalidRequest) {
    return { type: '/problems/invalid-request', title: 'Invalid request', status: 400, detail: `${error.field}: ${error.message}`, errors: [{ field: error.field, message: error.message }] };
  }
  if (error instanceof InvalidDataset) {
    const errors = error.problems.map((p) => ({ field: p.field ? `${p.file}: ${p.field}` : p.file, message: p.message }));
    return { type: '/problems/invalid-dataset', title: 'Invalid dataset', status: 400, detail: `${error.dataset} is not a valid dataset (${errors.length} problem(s))`, errors };
  }
  if (error instanceof InvalidArchitecture) {
    return { type: '/problems/invalid-architecture', title: 'Invalid architecture', status: 400, detail: error.message, errors: [{ field: 'arch', message: `${error.rule}: ${error.message}` }] };
  }
  if (error instanceof Unauthorized) {
    return { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: error.message, errors: [{ field: 'Authorization', message: error.message }] };
  }
  if (error instanceof TooManyRequests) {
    return { type: '/problems/too-many-requests', title: 'Too many requests', status: 429, detail: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof NotFound) return { type: '/problems/not-found', title: 'Not found', status: 404, detail: error.message };
  if (error instanceof Conflict || error instanceof VersionConflict) {
    return { type: '/problems/conflict', title: 'Conflict', status: 409, detail: error.message };
  }
  if (error instanceof Unavailable) return { type: '/problems/unavailable', title: 'Service unavailable', status: 503, detail: error.message };
  if (error instanceof HTTPException) {
    const field = error.status === 400 ? [{ field: 'body', message: error.message }] : undefined;
    return { type: '/problems/http', title: error.message || 'Request error', status: error.status, detail: error.message, ...(field ? { errors: field } : {}) };
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, error);
  return { type: '/problems/internal', title: 'Internal error', status: 500, detail: 'the service failed to handle this request; it has been logged' };
}
