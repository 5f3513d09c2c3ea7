import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../src/errors.js';
import type { AgentTrainingJob } from '../../src/jobs/job-queue.js';
import { readAgentProgress, runAgentTrainingJob, type AgentProgress } from '../../src/jobs/run-agent-training.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { PolicyRegistry } from '../../src/strategies/rl/policy-registry.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { MemoryArtifactStore } from '../strategies/rl/memory-artifact-store.js';

/** A made-up benchmark over nb201 (more convolutions score higher): no table to load. */
const convolutions = async () => ({
  space: nb201Space,
  oracle: async (cells: readonly Nb201Cell[]) => cells.map((cell) => cell.filter((op) => op.startsWith('nor_conv')).length),
});

const job = (overrides: Partial<AgentTrainingJob> = {}): AgentTrainingJob => ({
  kind: 'agent-training',
  runId: 'run-1',
  space: 'nb201',
  name: 'p',
  benchmark: 'nb201',
  metric: 'cifar10_valid_12',
  options: { steps: 40, warmup: 30, batchSize: 8, actors: 2, episodeLength: 5, scaleSamples: 16, checkpointInterval: 10, network: { kind: 'mlp', hidden: [8] } },
  ...overrides,
});

/** Records every progress the job writes, as a follower polling the store would see it. */
class ProgressRecordingStore extends MemoryArtifactStore {
  readonly progress: AgentProgress[] = [];
  override async put(key: string, body: Uint8Array | string): Promise<void> {
    await super.put(key, body);
    if (key.endsWith('/progress.json')) this.progress.push(JSON.parse(String(body)));
  }
}

describe('the agent-training job', () => {
  it('trains the run, publishes its policy, and keeps progress.json current until it says succeeded', async () => {
    const artifacts = new ProgressRecordingStore();
    await runAgentTrainingJob({ artifacts, benchmarksDir: BENCHMARKS_DIR, clock: () => new Date(), progressSeconds: 0, loadBenchmark: convolutions }, job());

    expect((await new PolicyRegistry(artifacts).get('nb201', 'p'))?.manifest.steps).toBe(40);
    const steps = artifacts.progress.map((p) => p.step);
    expect(steps[0]).toBe(0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBeGreaterThan(10);
    expect(artifacts.progress.slice(0, -1).every((p) => p.state === 'running' && p.runId === 'run-1' && p.steps === 40)).toBe(true);
    expect(await readAgentProgress(artifacts, 'nb201', 'p')).toMatchObject({ state: 'succeeded', step: 40, steps: 40, runId: 'run-1' });
    expect(artifacts.progress.at(-2)?.loss).toEqual(expect.any(Number));
  });

  it('writes progress at most once per interval while training', async () => {
    const artifacts = new ProgressRecordingStore();
    await runAgentTrainingJob({ artifacts, benchmarksDir: BENCHMARKS_DIR, clock: () => new Date(), progressSeconds: 3600, loadBenchmark: convolutions }, job());
    // The start and the end only: the hour between writes never passed.
    expect(artifacts.progress.map((p) => [p.state, p.step])).toEqual([['running', 0], ['succeeded', 40]]);
  });

  it("records a failure's reason in progress.json and fails the job", async () => {
    const artifacts = new ProgressRecordingStore();
    const deps = { artifacts, benchmarksDir: BENCHMARKS_DIR, clock: () => new Date(), loadBenchmark: convolutions };
    await expect(runAgentTrainingJob(deps, job({ fineTuneFrom: 'no-such-policy' }))).rejects.toThrow(InvalidRequest);
    expect(await readAgentProgress(artifacts, 'nb201', 'p')).toMatchObject({ state: 'failed', error: expect.stringContaining("no policy 'no-such-policy'") });
  });
});
