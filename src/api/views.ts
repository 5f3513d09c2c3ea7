import { z } from '@hono/zod-openapi';
import type { SearchCostEstimate } from '../cost/estimate.js';
import type { JobInstance } from '../cost/prices.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import { SEARCH_STATUSES, TRIAL_STATUSES } from '../search/states.js';
import { TRIAL_COUNTER_NAMES, type TrialStatusCounters } from '../search/trial-counters.js';
import { SearchSpecSchema } from '../search/spec.js';

/** What the API shows of records: internal fields (tenant, version, strategy state) stay inside. */
const Metrics = z.record(z.string(), z.number());

export const TrialStatusCountersSchema = z
  .object(Object.fromEntries(TRIAL_COUNTER_NAMES.map((name) => [name, z.int()])) as Record<keyof TrialStatusCounters, ReturnType<typeof z.int>>)
  .openapi('TrialStatusCounters');

export const SearchViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(SEARCH_STATUSES),
    reason: z.string().optional(),
    message: z.string().optional().openapi({ description: 'Why a FAILED search failed, in words (a strategy error, every trial failed)' }),
    spec: SearchSpecSchema,
    trialCount: z.int(),
    trialStatusCounters: TrialStatusCountersSchema,
    best: z.object({ trialNumber: z.int(), arch: z.string(), value: z.number(), metrics: Metrics }).optional(),
    elapsedSeconds: z.number().openapi({ description: 'Wall-clock seconds of trained trials, simulated makespan of benchmark trials' }),
    trainingSeconds: z.number().openapi({ description: "Sum of the trials' training seconds" }),
    costUsd: z.number().optional().openapi({ description: 'Dollars the trial jobs have cost so far: every container, with its boot, image pull and idle tail, at the dearest list price its queue may launch (what budget.maxCostUsd caps)' }),
    progressAt: z.string().optional().openapi({ description: 'When a running trial last reported a training epoch (followers refresh on it)' }),
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
    curve: z
      .array(z.object({ epoch: z.int(), metrics: Metrics, seconds: z.number() }))
      .readonly()
      .optional()
      .openapi({ description: 'Real training: validation metrics after each epoch (the learning curve)' }),
    parent: z
      .object({ trialNumber: z.int(), change: z.string() })
      .optional()
      .openapi({ description: 'Lineage: the trial this architecture was derived from, and what changed' }),
    backend: z.string().optional().openapi({ description: 'Real training: the TensorFlow.js backend the job ran on', example: 'tfjs-node-gpu' }),
    earlyStopReason: z.string().optional().openapi({ description: 'Why the early-stopping rule ended an EARLY_STOPPED trial' }),
    schedule: z
      .object({ name: z.enum(['short', 'long']), epochs: z.int(), reason: z.string() })
      .optional()
      .openapi({ description: 'Real training with evaluator.schedule.shortSchedule: which schedule the trial trained, and why' }),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    updatedAt: z.string(),
    workerId: z.string().optional().openapi({ description: 'External workers: the worker that claimed the current attempt, as it named itself' }),
    leaseExpiresAt: z.string().optional().openapi({ description: "External workers: when the running attempt's lease runs out unless a report extends it" }),
  })
  .openapi('Trial');

export const CostEstimateSchema = z
  .object({
    usd: z.number().openapi({ description: 'Dollars for every trial of the budget run once in the cloud deployment, rounded up to the cent', example: 0.09 }),
    usdPerTrial: z.number(),
    trialSeconds: z.number().openapi({ description: 'Seconds billed per trial job: its expected run time, at least the minimum billed' }),
    wallClockSeconds: z.number().openapi({ description: 'How long the trials take at parallelTrialCount at a time, queueing aside' }),
    instance: z.string().openapi({ description: 'The machine each trial job is priced on', example: 'Fargate 1 vCPU / 2 GiB, on-demand' }),
    basis: z.string().openapi({ description: 'Where the prices come from and what is left out', example: 'us-east-1, 2025 list prices; trial jobs only' }),
  })
  .openapi('CostEstimate');

/** `POST /v1/searches` answers with the search and the estimate it was checked against `budget.maxCostUsd` with. */
export const CreatedSearchSchema = SearchViewSchema.extend({ estimate: CostEstimateSchema }).openapi('CreatedSearch');

export type SearchView = z.infer<typeof SearchViewSchema>;
export type CostEstimateView = z.infer<typeof CostEstimateSchema>;
export type CreatedSearchView = z.infer<typeof CreatedSearchSchema>;
export type TrialView = z.infer<typeof TrialViewSchema>;

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextToken: z.string().optional() }).openapi(name);
}

export function toSearchView(search: SearchRecord): SearchView {
  // The ledger is the controller's bookkeeping (open trials, the front, an unwritten batch): some KB that no
  // client reads, and every list would carry it 20 times.
  const { tenantId: _tenant, version: _version, strategyState: _state, ledger: _ledger, ...view } = search;
  return view;
}

export function toTrialView(trial: TrialRecord): TrialView {
  // A lease id entitles its holder to write the trial's outcome: only the worker that claimed it knows it.
  const { tenantId: _tenant, jobId: _job, startOffsetSeconds: _offset, modelKey: _model, leaseId: _lease, leaseSeconds: _seconds, trialTokenHash: _token, ...view } = trial;
  return view;
}

function describeInstance(instance: JobInstance): string {
  if (instance.kind === 'external') return 'your own workers (external evaluator): no trial job of ours, nothing billed per trial';
  const machine = instance.kind === 'fargate' ? `Fargate ${instance.vcpu} vCPU / ${instance.memoryGiB} GiB` : `EC2 ${instance.type}`;
  return `${machine}, ${instance.market}`;
}

export function toCostEstimateView(estimate: SearchCostEstimate, instance: JobInstance): CostEstimateView {
  const { usdPerTrial, billedSecondsPerTrial, wallClockSeconds, prices } = estimate.breakdown;
  return {
    usd: estimate.usd,
    usdPerTrial,
    trialSeconds: billedSecondsPerTrial,
    wallClockSeconds,
    instance: describeInstance(instance),
    basis: `${prices} list prices; trial jobs only, control plane excluded`,
  };
}
