import { createClient, type ClientOptions, type NasClient } from './client.js';
import type { Metrics, TrialDecision } from './trial-leases.js';

/**
 * The trial a `container` search runs this code for, from the variables the service sets
 * (docs/training.md, "Your own container"), with the calls its code makes to report over HTTP: the same
 * routes external workers use, authorised by the attempt's own token instead of an API key.
 */
export interface ContainerTrial {
  readonly searchId: string;
  readonly trialNumber: number;
  /** The architecture as JSON (`NAS_ARCH`, parsed). */
  readonly arch: unknown;
  /** The architecture in the space's string form. */
  readonly archString: string;
  readonly seed: number;
  /** The trial's own prefix for checkpoints (`file://` locally, `s3://` on AWS Batch). */
  readonly checkpointUri: string;
  /**
   * Reports metrics measured at `step`; resolves `stop` when the search's early-stopping rule ended the
   * trial (it is EARLY_STOPPED, the result recorded: exit soon, the job is stopped anyway).
   */
  report(step: number, metrics: Metrics): Promise<TrialDecision>;
  /** The final metrics: the trial SUCCEEDED; the job may end. */
  complete(metrics: Metrics): Promise<void>;
  /** Training failed for good, and why. */
  fail(reason: string): Promise<void>;
}

/** A container's variables as a trial; throws naming the first one missing (the search reports by stdout only, or this is no trial). */
export function containerTrial(env: NodeJS.ProcessEnv = process.env, options: Pick<ClientOptions, 'fetch'> = {}): ContainerTrial {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: this code runs as a container trial of serverless-nas, which sets it`);
    return value;
  };
  const searchId = need('NAS_SEARCH');
  const trialNumber = Number(need('NAS_TRIAL'));
  const leaseId = need('NAS_LEASE_ID');
  const client: NasClient = createClient({ ...options, baseUrl: need('NAS_API_URL'), apiKey: need('NAS_TRIAL_TOKEN') });
  return {
    searchId,
    trialNumber,
    arch: JSON.parse(need('NAS_ARCH')) as unknown,
    archString: need('NAS_ARCH_STRING'),
    seed: Number(need('NAS_SEED')),
    checkpointUri: need('NAS_CHECKPOINT_URI'),
    async report(step, metrics) {
      return (await client.reportTrial(searchId, trialNumber, { leaseId, step, metrics })).decision;
    },
    async complete(metrics) {
      await client.completeTrial(searchId, trialNumber, { leaseId, metrics });
    },
    async fail(reason) {
      await client.completeTrial(searchId, trialNumber, { leaseId, status: 'FAILED', reason });
    },
  };
}
