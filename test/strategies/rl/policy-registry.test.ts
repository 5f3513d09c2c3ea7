import { useCpuBackend } from '../../../src/training/backend.js';
import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../../src/errors.js';
import { Rng } from '../../../src/random/rng.js';
import { nb201Space } from '../../../src/spaces/nb201.js';
import { createQNetwork } from '../../../src/strategies/rl/networks.js';
import { observationLayout, observe } from '../../../src/strategies/rl/observation.js';
import { policyWeights } from '../../../src/strategies/rl/policy-codec.js';
import { PolicyRegistry } from '../../../src/strategies/rl/policy-registry.js';
import * as tf from '@tensorflow/tfjs';
import { manifestFor } from './fixtures.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

const qOf = (network: ReturnType<typeof createQNetwork>) => {
  const { features } = observe(nb201Space, nb201Space.sample(Rng.fromSeed(3)), { stepsLeft: 1, best: 0.5, current: 0 });
  return Array.from(tf.tidy(() => network.forward(tf.tensor2d(features, [1, features.length])).dataSync()));
};

describe('policy registry', () => {
  it('stores a policy and restores a network that computes the same Q-values', async () => {
    const registry = new PolicyRegistry(new MemoryArtifactStore());
    const network = createQNetwork({ kind: 'transformer', model: 8, heads: 2, layers: 1 }, observationLayout(nb201Space), Rng.fromSeed(1));
    await registry.put(manifestFor('a'), policyWeights('nb201', network));
    const loaded = (await registry.get('nb201', 'a'))!;
    expect(loaded.manifest).toEqual(manifestFor('a'));
    expect(qOf(loaded.network)).toEqual(qOf(network));
  });

  it('answers undefined for an unknown policy and lists manifests by space', async () => {
    const store = new MemoryArtifactStore();
    const registry = new PolicyRegistry(store);
    const weights = policyWeights('nb201', createQNetwork({ kind: 'mlp', hidden: [4] }, observationLayout(nb201Space), Rng.fromSeed(1)));
    await registry.put(manifestFor('b'), weights);
    await registry.put(manifestFor('a'), weights);
    await registry.put(manifestFor('c', 'darts'), weights);
    expect(await registry.get('nb201', 'missing')).toBeUndefined();
    expect((await registry.list('nb201')).map((m) => m.name)).toEqual(['a', 'b']);
    expect((await registry.list()).map((m) => `${m.space}/${m.name}`)).toEqual(['darts/c', 'nb201/a', 'nb201/b']);
    expect([...store.blobs.keys()]).toContain('policies/nb201/a/manifest.json');
  });

  it('refuses weights that do not fit their network, naming the field', async () => {
    const store = new MemoryArtifactStore();
    const registry = new PolicyRegistry(store);
    const weights = policyWeights('nb201', createQNetwork({ kind: 'mlp', hidden: [4] }, observationLayout(nb201Space), Rng.fromSeed(1)));
    await registry.put(manifestFor('broken'), { ...weights, parameters: weights.parameters.slice(1) });
    await expect(registry.get('nb201', 'broken')).rejects.toThrow(InvalidRequest);
    await expect(registry.put({ ...manifestFor('x'), name: '../escape' }, weights)).rejects.toThrow();
  });
});
