import { z } from '@hono/zod-openapi';
import { SEARCH_STATUSES, TRIAL_STATUSES, type SearchRecord, type TrialRecord } from '../search/records.js';
import { SearchSpecSchema } from '../search/spec.js';

/** What the API shows of records: internal fields (tenant, version, strategy state) stay inside. */
const Metrics = z.record(z.string(), z.number());

export const TrialStatusCountersSchema = z
  .object({
    pending: z.int(), running: z.int(), succeeded: z.int(), earlyStopped: z.int(),
    failed: z.int(), stale: z.int(), killed: z.int(), infeasible: z.int(),
  })
  .openapi('TrialStatusCounters');

export const SearchViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(SEARCH_STATUSES),
    reason: z.string().optional(),
    spec: SearchSpecSchema,
    trialCount: z.int(),
    trialStatusCounters: TrialStatusCountersSchema,
    best: z.object({ trialNumber: z.int(), arch: z.string(), value: z.number(), metrics: Metrics }).optional(),
    elapsedSeconds: z.number().openapi({ description: 'Wall-clock seconds of trained trials, simulated makespan of benchmark trials' }),
    trainingSeconds: z.number().openapi({ description: "Sum of the trials' training seconds" }),
    costUsd: z.number().optional().openapi({ description: 'Dollars the trial jobs have cost so far (measured run times, list prices)' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .openapi('Search');

export const TrialViewSchema = z
  .object({
    searchId: z.string(),
    number: z.int(),
    status: z.enum(TRIAL_STATUSES),
    arch: z.string(),
    archHash: z.string(),
    attempt: z.int(),
    metrics: Metrics.optional(),
    costSeconds: z.number().optional(),
    error: z.object({ message: z.string(), retryable: z.boolean() }).optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    updatedAt: z.string(),
  })
  .openapi('Trial');

export type SearchView = z.infer<typeof SearchViewSchema>;
export type TrialView = z.infer<typeof TrialViewSchema>;

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextToken: z.string().optional() }).openapi(name);
}

export function toSearchView(search: SearchRecord): SearchView {
  const { tenantId: _tenant, version: _version, strategyState: _state, ...view } = search;
  return view;
}

export function toTrialView(trial: TrialRecord): TrialView {
  const { tenantId: _tenant, jobId: _job, startOffsetSeconds: _offset, ...view } = trial;
  return view;
}
