import { artifactUri } from '../artifacts/open-artifact-store.js';
import { issueTrialAccess } from '../usecases/trial-tokens.js';
import { containerJobProfile } from '../cost/job-profiles.js';
import { containerTrialVariables } from '../evaluators/container-evaluator.js';
import type { Store } from '../store/store.js';
import type { BatchJobTarget, JobDefinitionToRegister } from './batch-job-queue.js';
import type { TrialJob } from './job-queue.js';
import { trialArtifactPrefix, trialSeed } from './run-trial.js';

/** Where `container` trials run on AWS Batch, from the controller's environment (cdk/container-jobs.ts). */
export interface ContainerJobPlaces {
  /** The queue of `resources.gpu: 1` (its Spot queue: the adapter's fallback takes over from there). */
  readonly gpuQueue: string;
  /** The Fargate queue of every other container. */
  readonly cpuQueue: string;
  /**
   * The role that pulls a tenant's image and sends its output to `logGroup`, one per tenant: it pulls that
   * tenant's images only, and reaches no tenant's data (`containerExecutionRoles` in `src/aws/container-job-roles.ts`).
   */
  readonly executionRoleOf: (tenantId: string) => Promise<string>;
  /** The log group the jobs' standard output goes to, read back for their metrics. */
  readonly logGroup: string;
  /** The artifact store (`NAS_ARTIFACTS`, `s3://<bucket>`): each trial's checkpoints go under its own prefix there. */
  readonly artifacts: string;
  /** The role a tenant's containers run as, which reaches that tenant's objects only (`src/aws/container-job-roles.ts`). */
  readonly jobRoleOf: (tenantId: string) => Promise<string>;
  /** The API's public URL (`NAS_API_URL` in the container), where its code may report with its trial token; absent: stdout only. */
  readonly apiUrl?: string;
}

/** Log streams of container jobs begin `container/` (then the container name and the ECS task id). */
export const CONTAINER_LOG_STREAM_PREFIX = 'container';

/**
 * The Batch target of a `container` trial: the user's image with its command and size, as a job definition
 * the queue registers (one per image, command, resources, timeout and tenant role), on the GPU queue
 * (EC2) or the Fargate queue, with the trial's variables as the local runner gives them, `NAS_ARCH_FILE`
 * aside (`containerTrialVariables`).
 */
export function containerJobTarget(store: Pick<Store, 'getSearch' | 'getTrial' | 'updateTrial'>, places: ContainerJobPlaces): (job: TrialJob) => Promise<BatchJobTarget> {
  return async (job) => {
    const search = await store.getSearch(job.tenantId, job.searchId);
    const trial = search && (await store.getTrial(job.tenantId, job.searchId, job.trialNumber));
    if (!search || !trial) throw new Error(`trial ${job.trialNumber} of search ${job.searchId} not found while submitting its job`);
    const { evaluator } = search.spec;
    if (evaluator.kind !== 'container') throw new Error(`search ${job.searchId} is no container search`);
    const { timeoutSeconds } = containerJobProfile(evaluator);
    const onGpu = evaluator.resources.gpu > 0;
    const definition: JobDefinitionToRegister = {
      type: 'container',
      platformCapabilities: [onGpu ? 'EC2' : 'FARGATE'],
      propagateTags: true,
      timeout: { attemptDurationSeconds: timeoutSeconds },
      containerProperties: {
        image: evaluator.image,
        command: [...evaluator.command],
        jobRoleArn: await places.jobRoleOf(job.tenantId),
        executionRoleArn: await places.executionRoleOf(job.tenantId),
        resourceRequirements: [
          { type: 'VCPU', value: String(evaluator.resources.vcpus) },
          { type: 'MEMORY', value: String(evaluator.resources.memoryMiB) },
          ...(onGpu ? [{ type: 'GPU' as const, value: '1' }] : []),
        ],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': places.logGroup, 'awslogs-stream-prefix': CONTAINER_LOG_STREAM_PREFIX } },
        // As our own Fargate jobs: public subnets without NAT, so the task needs a public address to pull.
        ...(onGpu ? {} : { networkConfiguration: { assignPublicIp: 'ENABLED' }, runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' } }),
      },
    };
    const checkpointUri = artifactUri(places.artifacts, trialArtifactPrefix(job.tenantId, job.searchId, job.trialNumber));
    const { space, spaceConfig } = search.spec;
    // A fresh lease and token per attempt: Batch's own retries of the attempt (Spot) keep them, a new attempt does not.
    const access = places.apiUrl ? await issueTrialAccess(store, trial) : undefined;
    if (places.apiUrl && !access) throw new Error(`trial ${job.trialNumber} of search ${job.searchId} moved on while its job was being submitted`);
    const reporting = places.apiUrl && access ? { reporting: { apiUrl: places.apiUrl, access } } : {};
    const facts = { space, spaceConfig, arch: trial.arch, searchId: job.searchId, trialNumber: job.trialNumber, seed: trialSeed(search.spec, job.trialNumber), checkpointUri };
    const environment = containerTrialVariables({ ...facts, ...reporting });
    return { jobQueue: onGpu ? places.gpuQueue : places.cpuQueue, jobDefinition: definition, timeoutSeconds, environment };
  };
}
