import { BatchClient, type JobDetail } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { readConfig } from '../src/config.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import { createBenchmarkEvaluator } from '../src/evaluators/benchmark-evaluator.js';
import { SearchHistories } from '../src/controller/search-history.js';
import { openTableShelf } from '../src/artifacts/open-artifact-store.js';
import { openSharedData } from '../src/aws/tenant-isolation.js';
import { CloudWatchJobLogs, type CloudWatchLogsApi } from '../src/aws/cloudwatch-job-logs.js';
import { containerExecutionRoles, containerJobRoles, type IamApi } from '../src/aws/container-job-roles.js';
import { containerJobTarget } from '../src/jobs/container-job.js';
import { followContainerJob } from '../src/usecases/record-container-outcome.js';
import { tick, type ControllerDeps } from '../src/controller/tick.js';
import { PredictorService } from '../src/predictors/predictor-service.js';
import { JOB_PROFILES, jobKindOf, type JobKind } from '../src/cost/job-profiles.js';
import { EVENT_SOURCE } from '../src/events/eventbridge-events.js';
import { BatchJobQueue, stateOf, type BatchApi, type BatchJobQueueOptions, type BatchJobTarget } from '../src/jobs/batch-job-queue.js';
import type { TrialJob } from '../src/jobs/job-queue.js';
import { evaluatorKindLookup } from '../src/jobs/evaluator-kinds.js';
import { EvaluatorRoutedQueue } from '../src/jobs/evaluator-routed-queue.js';
import { ExternalLeaseQueue } from '../src/jobs/external-lease-queue.js';
import type { EvaluatorSpec } from '../src/search/spec.js';
import { actAsTenant } from '../src/auth/acting-tenant.js';
import { shippedPolicies } from '../src/local/shipped-policies.js';
import { PolicyRegistry } from '../src/strategies/rl/policy-registry.js';

/** The envelope EventBridge wraps every event in when it invokes a Lambda. */
export interface EventBridgeEvent<DetailType extends string = string, Detail = unknown> {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': DetailType;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Detail;
}

/** `detail` of "Batch Job State Change": the job as DescribeJobs returns it, tags and container environment included. */
export type BatchJobStateChangeDetail = Partial<Pick<JobDetail, 'jobId' | 'jobName' | 'jobQueue' | 'status' | 'statusReason' | 'container' | 'attempts' | 'tags'>>;

export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export interface ControllerHandlerDeps {
  readonly controller: ControllerDeps;
  /**
   * How long one scheduled sweep keeps ticking searches before it leaves the rest to the next sweep
   * (it starts with a different search each minute, so none is starved). Ticks run one at a time, so a
   * short sweep keeps job events from waiting behind it.
   * @default 40_000
   */
  readonly sweepBudgetMs?: number;
  /** One structured log line. @default console.log of the JSON */
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface ControllerResult {
  readonly trigger: 'job' | 'search-event' | 'sweep' | 'ignored';
  readonly ticked: { readonly tenantId: string; readonly searchId: string; readonly status?: string }[];
  /** Active searches a sweep left for the next one (out of time). */
  readonly deferred?: number;
}

const DEFAULT_SWEEP_BUDGET_MS = 40_000;
/** Leave this much of the invocation's time unused, so a sweep never runs into the function timeout. */
const TIMEOUT_MARGIN_MS = 15_000;
const SEARCH_EVENT_TYPES = new Set(['SearchCreated', 'SearchStopRequested', 'TrialJobEnded', 'SearchSwept']);

/**
 * The controller Lambda: every trigger becomes `tick(tenantId, searchId)`, the same function the local
 * service's in-process bus calls.
 *
 * - "Batch Job State Change" (source `aws.batch`, our queues, SUCCEEDED or FAILED): the trial's search,
 *   read from the job's `NAS_JOB` environment or, failing that, its tags;
 * - our own events (source `serverless-nas`: SearchCreated, SearchStopRequested, ...): the named search;
 * - the one-minute schedule ("Scheduled Event"): every active search, for lost jobs and lost events.
 *
 * An event this function cannot read is logged and dropped (retrying it would not help); a tick that
 * throws fails the invocation, so Lambda retries it and then sends it to the dead-letter queue.
 */
export function createControllerHandler(deps: ControllerHandlerDeps) {
  const log = deps.log ?? ((line: Record<string, unknown>) => console.log(JSON.stringify(line)));

  const tickOne = async (tenantId: string, searchId: string, trigger: string) => {
    const search = await actAsTenant(tenantId, () => tick(deps.controller, tenantId, searchId));
    log({ message: 'search ticked', trigger, tenantId, searchId, status: search?.status ?? 'NOT_FOUND', trialCount: search?.trialCount });
    return { tenantId, searchId, ...(search ? { status: search.status } : {}) };
  };

  const sweep = async (event: EventBridgeEvent, context?: LambdaContextLike): Promise<ControllerResult> => {
    const started = Date.now();
    const budget = Math.min(deps.sweepBudgetMs ?? DEFAULT_SWEEP_BUDGET_MS, (context?.getRemainingTimeInMillis() ?? Infinity) - TIMEOUT_MARGIN_MS);
    const active = await deps.controller.store.listActiveSearches();
    // Start at a different search each minute, so that a sweep cut short never starves the same ones.
    const offset = active.length > 0 ? Math.floor(Date.parse(event.time) / 60_000) % active.length : 0;
    const ordered = [...active.slice(offset), ...active.slice(0, offset)];
    const ticked: ControllerResult['ticked'] = [];
    const failures: unknown[] = [];
    let index = 0;
    for (; index < ordered.length && Date.now() - started < budget; index++) {
      const { tenantId, searchId } = ordered[index]!;
      try {
        ticked.push(await tickOne(tenantId, searchId, 'sweep'));
      } catch (error) {
        // One broken search must not keep the sweep from the others; the invocation still fails below.
        log({ message: 'tick failed', trigger: 'sweep', tenantId, searchId, error: describeError(error) });
        failures.push(error);
      }
    }
    const deferred = ordered.length - index;
    if (deferred > 0) log({ message: 'sweep out of time', ticked: ticked.length, deferred });
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${index} sweep ticks failed`);
    return { trigger: 'sweep', ticked, ...(deferred > 0 ? { deferred } : {}) };
  };

  return async (event: EventBridgeEvent, context?: LambdaContextLike): Promise<ControllerResult> => {
    if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') return sweep(event, context);

    if (event.source === 'aws.batch' && event['detail-type'] === 'Batch Job State Change') {
      const detail = event.detail as BatchJobStateChangeDetail;
      const job = trialJobOf(detail);
      if (detail.status === 'FAILED') {
        // The failed-jobs alarm counts these lines (a metric filter on the controller's log group).
        log({ message: 'batch job failed', jobId: detail.jobId, jobName: detail.jobName, jobQueue: detail.jobQueue, reason: stateOf(detail).reason, ...job });
      }
      if (!job) return ignored(log, event, 'job carries neither NAS_JOB nor tenant/search tags');
      return { trigger: 'job', ticked: [await tickOne(job.tenantId, job.searchId, `job ${detail.status}`)] };
    }

    if (event.source === EVENT_SOURCE && SEARCH_EVENT_TYPES.has(event['detail-type'])) {
      const { tenantId, searchId } = (event.detail ?? {}) as { tenantId?: unknown; searchId?: unknown };
      if (typeof tenantId !== 'string' || typeof searchId !== 'string') return ignored(log, event, 'detail lacks tenantId/searchId');
      return { trigger: 'search-event', ticked: [await tickOne(tenantId, searchId, event['detail-type'])] };
    }

    return ignored(log, event, 'not an event the controller handles');
  };
}

/** The trial a Batch job ran: from its `NAS_JOB` environment (exact), else from its tags. */
export function trialJobOf(detail: BatchJobStateChangeDetail): TrialJob | undefined {
  const raw = detail.container?.environment?.find((variable) => variable.name === 'NAS_JOB')?.value;
  if (raw) {
    try {
      const job = JSON.parse(raw) as Partial<TrialJob>;
      if (typeof job.tenantId === 'string' && typeof job.searchId === 'string' && Number.isInteger(job.trialNumber) && Number.isInteger(job.attempt)) {
        return { tenantId: job.tenantId, searchId: job.searchId, trialNumber: job.trialNumber!, attempt: job.attempt! };
      }
    } catch {
      // Not ours, or mangled: fall through to the tags.
    }
  }
  const tags = detail.tags ?? {};
  const trialNumber = Number(tags.trial);
  const attempt = Number(tags.attempt);
  if (!tags.tenant || !tags.search || !Number.isInteger(trialNumber) || !Number.isInteger(attempt)) return undefined;
  return { tenantId: tags.tenant, searchId: tags.search, trialNumber, attempt };
}

function ignored(log: (line: Record<string, unknown>) => void, event: EventBridgeEvent, why: string): ControllerResult {
  log({ message: 'event ignored', why, source: event.source, detailType: event['detail-type'], id: event.id });
  return { trigger: 'ignored', ticked: [] };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The kinds of trial job Batch runs: an `external` trial is leased to the user's workers instead. */
type BatchJobKind = Exclude<JobKind, 'external'>;

/** The Batch targets per kind of job, from the function's environment (set by the CDK stack). */
export function jobTargetsFrom(env: NodeJS.ProcessEnv): Record<BatchJobKind, BatchJobTarget> {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} must name the Batch ${name.includes('QUEUE') ? 'job queue' : 'job definition'}`);
    return value;
  };
  return {
    benchmark: {
      jobQueue: required('NAS_CPU_JOB_QUEUE'),
      jobDefinition: required('NAS_CPU_JOB_DEFINITION'),
      timeoutSeconds: JOB_PROFILES.benchmark.timeoutSeconds,
    },
    train: {
      jobQueue: required('NAS_GPU_JOB_QUEUE'),
      jobDefinition: required('NAS_GPU_JOB_DEFINITION'),
      timeoutSeconds: JOB_PROFILES.train.timeoutSeconds,
    },
  };
}

/**
 * What the queue adapter does about waiting jobs, from the environment: `NAS_GPU_FALLBACK_JOB_QUEUE` (the
 * on-demand queue for GPU jobs Spot cannot place) and `NAS_MAX_QUEUED_SECONDS` (past it a waiting job is
 * cancelled and its trial fails CapacityUnavailable).
 */
export function queueWaitFrom(env: NodeJS.ProcessEnv): Pick<BatchJobQueueOptions<TrialJob>, 'fallbackQueues' | 'maxQueuedSeconds'> {
  const gpuQueue = env.NAS_GPU_JOB_QUEUE;
  const fallback = env.NAS_GPU_FALLBACK_JOB_QUEUE;
  const maxQueued = env.NAS_MAX_QUEUED_SECONDS === undefined ? undefined : Number(env.NAS_MAX_QUEUED_SECONDS);
  if (maxQueued !== undefined && !(maxQueued > 0)) throw new Error(`NAS_MAX_QUEUED_SECONDS must be a number of seconds > 0, got '${env.NAS_MAX_QUEUED_SECONDS}'`);
  return {
    ...(gpuQueue && fallback ? { fallbackQueues: { [gpuQueue]: fallback } } : {}),
    ...(maxQueued === undefined ? {} : { maxQueuedSeconds: maxQueued }),
  };
}

/**
 * Routes each job by its search's evaluator (`evaluatorKindLookup`: read once per search for the life of the
 * warm function, shared with the queue that picks Batch or the lease queue); `container` trials to
 * `container` (the user's image), where the stack runs them.
 */
export function targetResolver(
  evaluatorKind: (job: TrialJob) => Promise<EvaluatorSpec['kind']>,
  targets: Record<BatchJobKind, BatchJobTarget>,
  container?: (job: TrialJob) => Promise<BatchJobTarget>,
) {
  return async (job: TrialJob): Promise<BatchJobTarget> => {
    const evaluator = await evaluatorKind(job);
    if (evaluator === 'container') {
      if (!container) throw new Error(`trial ${job.trialNumber} of search ${job.searchId} runs a container, and this stack runs none (NAS_CONTAINER_JOB_POLICY_ARN is unset)`);
      return container(job);
    }
    const kind = jobKindOf(evaluator);
    // The controller's queue leases external trials to the user's workers (`EvaluatorRoutedQueue`): none comes here.
    if (kind === 'external') throw new Error(`trial ${job.trialNumber} of search ${job.searchId} is trained by the user's workers, not by a Batch job`);
    return targets[kind];
  };
}

/**
 * The controller's dependencies from the environment: `NAS_TABLE`, the queues and job definitions
 * (`NAS_CPU_JOB_QUEUE`, `NAS_CPU_JOB_DEFINITION`, `NAS_GPU_JOB_QUEUE`, `NAS_GPU_JOB_DEFINITION`),
 * `NAS_STALE_AFTER_SECONDS`, `NAS_ARTIFACTS`, and `NAS_TENANT_ROLE_ARN`, the role whose per-tenant
 * credentials reach tenants' records and artifacts. `clients` replaces the AWS clients in tests.
 */
export function createControllerDeps(
  env: NodeJS.ProcessEnv = process.env,
  clients: { batch?: BatchApi; iam?: IamApi; logs?: CloudWatchLogsApi } = {},
): ControllerHandlerDeps {
  const tableName = env.NAS_TABLE;
  if (!tableName) throw new Error('NAS_TABLE must name the DynamoDB table');
  const { store, artifacts } = openSharedData({ tableName, artifacts: env.NAS_ARTIFACTS }, env);
  const clock = () => new Date();
  const containers = containerJobsFrom(env, clients);
  const evaluatorKind = evaluatorKindLookup(store);
  const queue = new EvaluatorRoutedQueue({
    evaluatorKind,
    jobs: new BatchJobQueue({
      client: clients.batch ?? new BatchClient({}),
      targetFor: targetResolver(evaluatorKind, jobTargetsFrom(env), containers && containerJobTarget(store, containers.places)),
      ...queueWaitFrom(env),
    }),
    external: new ExternalLeaseQueue(store),
  });
  const containerJobs = containers && { containerJobs: followContainerJob.bind(undefined, { store, logs: containers.logs, clock }) };
  // Policies trained into the bucket (nas agent train --on batch) first, then any shipped with the bundle.
  const policies = [...(artifacts ? [new PolicyRegistry(artifacts)] : []), shippedPolicies()];
  const learned = artifacts ? { policies, predictors: new PredictorService({ store, artifacts, clock }) } : { policies };
  const config = readConfig(env);
  // Searches over imported tables propose only the tables' rows.
  const benchmarks = new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables));
  // Benchmark lookups are answered here, in the controller, not by Batch jobs (issue #18); a tick keeps
  // evaluating one search for up to `sliceMs`, and the one-minute sweep picks up what is left.
  const inProcess = { evaluator: createBenchmarkEvaluator(benchmarks), sliceMs: IN_PROCESS_SLICE_MS };
  return { controller: { store, queue, clock, staleAfterSeconds: config.staleAfterSeconds, benchmarks, inProcess, histories: new SearchHistories(), ...learned, ...containerJobs } };
}

/**
 * Where `container` trials run, when the stack runs them (`-c containerTrials=true`, cdk/container-jobs.ts):
 * `NAS_CONTAINER_JOB_POLICY_ARN` (the policy and boundary of every tenant's container role),
 * `NAS_CONTAINER_EXECUTION_POLICY_ARN` (the same of every tenant's execution role), `NAS_JOB_LOG_GROUP`,
 * beside the queues and `NAS_ARTIFACTS`; `NAS_API_URL`, where containers may report over HTTP (absent: stdout only).
 */
export function containerJobsFrom(env: NodeJS.ProcessEnv, clients: { iam?: IamApi; logs?: CloudWatchLogsApi } = {}) {
  const policyArn = env.NAS_CONTAINER_JOB_POLICY_ARN;
  if (!policyArn) return undefined;
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set where NAS_CONTAINER_JOB_POLICY_ARN is (container trials)`);
    return value;
  };
  const logGroup = required('NAS_JOB_LOG_GROUP');
  const iam = clients.iam ?? new IAMClient({});
  const places = {
    gpuQueue: required('NAS_GPU_JOB_QUEUE'),
    cpuQueue: required('NAS_CPU_JOB_QUEUE'),
    executionRoleOf: containerExecutionRoles({ iam, policyArn: required('NAS_CONTAINER_EXECUTION_POLICY_ARN') }),
    logGroup,
    artifacts: required('NAS_ARTIFACTS'),
    jobRoleOf: containerJobRoles({ iam, policyArn }),
    ...(env.NAS_API_URL ? { apiUrl: env.NAS_API_URL } : {}),
  };
  return { places, logs: new CloudWatchJobLogs(clients.logs ?? new CloudWatchLogsClient({}), logGroup) };
}

/** How long one tick evaluates benchmark trials of one search in the controller Lambda before returning. */
const IN_PROCESS_SLICE_MS = 20_000;

let controllerHandler: ReturnType<typeof createControllerHandler> | undefined;

/** The Lambda entry point; built on the first invocation, so that importing it reaches for nothing. */
export const handler = (event: EventBridgeEvent, context?: LambdaContextLike) => {
  controllerHandler ??= createControllerHandler(createControllerDeps());
  return controllerHandler(event, context);
};
