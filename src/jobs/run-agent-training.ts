/**
 * The agent-training job: trains the job's run (`runTraining`) and keeps its `progress.json` current.
 * A Batch job has no channel back to whoever submitted it but the artifact store, so progress goes there,
 * locally and in the cloud alike; `nas agent train` follows it to draw its progress bar.
 */
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { runTraining, trainingKey, type TrainingRunInput } from '../strategies/rl/training-run.js';
import type { AgentTrainingJob } from './job-queue.js';

export const AgentProgressSchema = z.strictObject({
  runId: z.string(),
  state: z.enum(['running', 'succeeded', 'failed']),
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
  resumedFrom: z.number().int().nonnegative().optional(),
  loss: z.number().optional(),
  /** The greedy actor's mean best score per recent episode, once there is one. */
  greedyBest: z.number().optional(),
  error: z.string().optional(),
  updated: z.string(),
});
export type AgentProgress = z.output<typeof AgentProgressSchema>;

export interface RunAgentTrainingDeps {
  readonly artifacts: ArtifactStore;
  readonly benchmarksDir: string;
  readonly clock: () => Date;
  /** Seconds between progress writes while training (one write per learner step would swamp S3). @default 1 */
  readonly progressSeconds?: number;
  /** See `TrainingRunInput.loadBenchmark`. */
  readonly loadBenchmark?: TrainingRunInput['loadBenchmark'];
  /** See `TrainingRunInput.tables`: imported tables an agent may train on. */
  readonly tables?: TrainingRunInput['tables'];
  /** See `TrainingRunInput.shippedPolicies`. */
  readonly shippedPolicies?: TrainingRunInput['shippedPolicies'];
}

const progressKey = (space: string, name: string) => trainingKey(space, name, 'progress.json');

export async function readAgentProgress(artifacts: ArtifactStore, space: string, name: string): Promise<AgentProgress | undefined> {
  const bytes = await artifacts.get(progressKey(space, name));
  return bytes === undefined ? undefined : AgentProgressSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

export async function runAgentTrainingJob(deps: RunAgentTrainingDeps, job: AgentTrainingJob): Promise<void> {
  const { artifacts, clock } = deps;
  const intervalMs = (deps.progressSeconds ?? 1) * 1000;
  let progress: AgentProgress = { runId: job.runId, state: 'running', step: 0, steps: 1, updated: clock().toISOString() };
  // Writes are chained so that a slow one never lands after a later one.
  let writes = Promise.resolve();
  let lastWrite = 0;
  const publish = (update: Partial<AgentProgress>) => {
    progress = { ...progress, ...update, updated: clock().toISOString() };
    const snapshot = JSON.stringify(progress);
    writes = writes.then(() => artifacts.put(progressKey(job.space, job.name), snapshot));
    lastWrite = Date.now();
    return writes;
  };

  try {
    await runTraining({
      store: artifacts,
      benchmarksDir: deps.benchmarksDir,
      ...(deps.loadBenchmark ? { loadBenchmark: deps.loadBenchmark } : {}),
      ...(deps.tables ? { tables: deps.tables } : {}),
      name: job.name,
      space: job.space,
      benchmark: job.benchmark,
      metric: job.metric,
      options: job.options,
      ...(job.fineTuneFrom === undefined ? {} : { fineTuneFrom: job.fineTuneFrom }),
      ...(job.fresh ? { fresh: true } : {}),
      ...(deps.shippedPolicies ? { shippedPolicies: deps.shippedPolicies } : {}),
      clock,
      hooks: {
        onStart: ({ resumedFrom, steps }) => void publish({ steps, step: resumedFrom ?? 0, ...(resumedFrom === undefined ? {} : { resumedFrom }) }),
        onStep: (step, { loss, greedyEpisodeBest }) => {
          if (Date.now() - lastWrite < intervalMs) return;
          void publish({ step, loss, ...(greedyEpisodeBest === null ? {} : { greedyBest: greedyEpisodeBest }) });
        },
      },
    });
    await publish({ state: 'succeeded', step: progress.steps });
  } catch (error) {
    await publish({ state: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
