import { describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../../src/strategies/rl/policy-registry.js';
import { runTraining, trainingKey, type TrainingRunInput } from '../../../src/strategies/rl/training-run.js';
import { nb201Space, type Nb201Cell } from '../../../src/spaces/nb201.js';
import { BENCHMARKS_DIR } from '../../helpers/nb201-csv.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';

/** Small enough to run in a second on the CPU backend. */
const tiny = {
  steps: 40,
  warmup: 30,
  batchSize: 8,
  actors: 2,
  episodeLength: 5,
  scaleSamples: 16,
  checkpointInterval: 10,
  logInterval: 10,
  network: { kind: 'mlp' as const, hidden: [8] },
};

const input = (store: MemoryArtifactStore, overrides: Partial<TrainingRunInput> = {}): TrainingRunInput => ({
  store,
  benchmarksDir: BENCHMARKS_DIR,
  name: 'a',
  space: 'nb201',
  benchmark: 'nb201',
  metric: 'cifar10_valid_12',
  options: tiny,
  loadBenchmark: convolutions,
  clock: () => new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

/** A made-up benchmark over nb201 (more convolutions score higher): no table to load. */
const convolutions = async () => ({
  space: nb201Space,
  oracle: async (cells: readonly Nb201Cell[]) => cells.map((cell) => cell.filter((op) => op.startsWith('nor_conv')).length),
});

class Killed extends Error {}

describe('agent training runs', () => {
  it('resume after a kill from the last checkpoint and publish the policy with its record', async () => {
    const store = new MemoryArtifactStore();
    const kill = { onStep: (step: number) => { if (step === 25) throw new Killed(); } };
    await expect(runTraining(input(store, { hooks: kill }))).rejects.toThrow(Killed);
    expect(await new PolicyRegistry(store).get('nb201', 'a')).toBeUndefined();

    const result = await runTraining(input(store));
    expect(result.resumedFrom).toBe(20);
    expect(result.curve.map((entry) => entry.step)).toEqual([10, 20, 30, 40]);
    const curveLines = new TextDecoder().decode(await store.get(trainingKey('nb201', 'a', 'curve.jsonl'))).trim().split('\n');
    expect(curveLines.map((line) => JSON.parse(line).step)).toEqual([10, 20, 30, 40]);

    const policy = (await new PolicyRegistry(store).get('nb201', 'a'))!;
    expect(policy.manifest).toMatchObject({ name: 'a', space: 'nb201', benchmark: 'nb201', metric: 'cifar10_valid_12', steps: 40, seed: 0 });
    expect(policy.manifest.hyperparameters).toMatchObject({ learningRate: 1e-3, nStep: 3, priorityAlpha: 0.6, priorityBeta: 0.4 });
  });

  it('fine-tunes an existing policy with its network, counting the base steps', async () => {
    const store = new MemoryArtifactStore();
    await runTraining(input(store));
    const { manifest } = await runTraining(input(store, { name: 'b', fineTuneFrom: 'a', options: { ...tiny, steps: 10, network: { kind: 'mlp', hidden: [99] } } }));
    expect(manifest).toMatchObject({ name: 'b', steps: 50, fineTunedFrom: 'nb201/a' });
    expect((await new PolicyRegistry(store).get('nb201', 'b'))!.weights.network).toEqual(tiny.network);
  });

  it('refuses a benchmark that does not cover the space, naming the field', async () => {
    const { loadBenchmark: _fake, ...withRealLoader } = input(new MemoryArtifactStore(), { space: 'darts' });
    await expect(runTraining(withRealLoader)).rejects.toMatchObject({ field: 'space' });
  });
});
