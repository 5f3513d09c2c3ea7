import { describe, expect, it } from 'vitest';
import { AgentJobFailed, followAgentTraining, liveSubmission, submitAgentTraining, type AgentQueue } from '../../src/cli/agent-job.js';
import { BatchJobQueue } from '../../src/jobs/batch-job-queue.js';
import type { AgentTrainingJob } from '../../src/jobs/job-queue.js';
import type { AgentProgress } from '../../src/jobs/run-agent-training.js';
import { FakeBatch } from '../functions/fake-batch.js';
import { MemoryArtifactStore } from '../strategies/rl/memory-artifact-store.js';

const TARGET = { jobQueue: 'nas-cpu', jobDefinition: 'nas-job:1', timeoutSeconds: 3600 };
const job = (runId: string): AgentTrainingJob => ({ kind: 'agent-training', runId, space: 'nb201', name: 'p', benchmark: 'nb201', metric: 'cifar10_valid_12', options: {} });

function onBatch(batch: FakeBatch): AgentQueue {
  return { kind: 'batch', queue: new BatchJobQueue<AgentTrainingJob>({ client: batch, targetFor: () => TARGET }), close: async () => {} };
}

const progress = (runId: string, step: number, extra: Partial<AgentProgress> = {}): string =>
  JSON.stringify({ runId, state: 'running', step, steps: 100, updated: new Date(Date.UTC(2026, 10, 30, 0, 0, step)).toISOString(), ...extra });

describe('agent-training jobs on AWS Batch, as nas agent train sees them', () => {
  it('follows the run a still-running job trains instead of submitting it a second time, and submits anew once it ended', async () => {
    const artifacts = new MemoryArtifactStore();
    const batch = new FakeBatch();
    const queue = onBatch(batch);
    const submitted = await submitAgentTraining(artifacts, queue, job('run-1'), new Date());

    expect(await liveSubmission(artifacts, queue, 'nb201', 'p')).toEqual(submitted);
    batch.update(submitted.jobId, 'SUCCEEDED');
    expect(await liveSubmission(artifacts, queue, 'nb201', 'p')).toBeUndefined();
    // A local pool knows nothing of the Batch job: that is not a run to follow from here.
    const local: AgentQueue = { ...queue, kind: 'local' };
    batch.update(submitted.jobId, 'RUNNING');
    expect(await liveSubmission(artifacts, local, 'nb201', 'p')).toBeUndefined();
  });

  it("shows only this submission's progress, each once, and resolves when the job succeeds", async () => {
    const artifacts = new MemoryArtifactStore();
    const batch = new FakeBatch();
    const queue = onBatch(batch);
    await artifacts.put('training/nb201/p/progress.json', progress('an-earlier-run', 100, { state: 'succeeded' }));
    const submission = await submitAgentTraining(artifacts, queue, job('run-2'), new Date());

    const seen: number[] = [];
    const following = followAgentTraining(artifacts, queue, job('run-2'), submission, (p) => seen.push(p.step), 1);
    for (const step of [10, 50]) {
      await artifacts.put('training/nb201/p/progress.json', progress('run-2', step));
      await until(() => seen.includes(step));
    }
    await artifacts.put('training/nb201/p/progress.json', progress('run-2', 100, { state: 'succeeded' }));
    batch.update(submission.jobId, 'SUCCEEDED');
    await following;
    expect(seen).toEqual([10, 50, 100]);
  });

  it("fails with the job's own error when it wrote one, else with the queue's reason", async () => {
    const artifacts = new MemoryArtifactStore();
    const batch = new FakeBatch();
    const queue = onBatch(batch);
    const first = await submitAgentTraining(artifacts, queue, job('run-3'), new Date());
    await artifacts.put('training/nb201/p/progress.json', progress('run-3', 0, { state: 'failed', error: "no policy 'x' for space 'nb201' to fine-tune" }));
    batch.update(first.jobId, 'FAILED', { statusReason: 'Essential container in task exited' });
    await expect(followAgentTraining(artifacts, queue, job('run-3'), first, () => {}, 1)).rejects.toThrow(new AgentJobFailed(`training job ${first.jobId} failed: no policy 'x' for space 'nb201' to fine-tune`));

    const second = await submitAgentTraining(artifacts, queue, job('run-4'), new Date());
    batch.update(second.jobId, 'FAILED', { statusReason: 'Host EC2 (instance i-1) terminated.' });
    await expect(followAgentTraining(artifacts, queue, job('run-4'), second, () => {}, 1)).rejects.toThrow(/failed: Host EC2 \(instance i-1\) terminated/);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
