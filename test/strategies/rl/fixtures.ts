import type { PolicyManifest } from '../../../src/strategies/rl/policy-registry.js';

/** A registry record for test policies (episode length 5). */
export function manifestFor(name: string, space = 'nb201'): PolicyManifest {
  return {
    name,
    space,
    benchmark: 'nb201',
    metric: 'cifar10_valid_12',
    steps: 10,
    envSteps: 40,
    hyperparameters: { episodeLength: 5 },
    score: null,
    seed: 1,
    trainingSeconds: 1,
    created: '2026-01-01T00:00:00.000Z',
  };
}
