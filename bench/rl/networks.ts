import type { QNetworkConfig } from '../../src/strategies/rl/q-network.js';

/** The Q-networks the RL benchmarks train, by name. */
export const NETWORKS: Record<string, QNetworkConfig> = {
  'mlp-64x2': { kind: 'mlp', hidden: [64, 64] },
  'mlp-256x2': { kind: 'mlp', hidden: [256, 256] },
  'transformer-16': { kind: 'transformer', model: 16, heads: 2, layers: 1 },
  'transformer-32': { kind: 'transformer', model: 32, heads: 2, layers: 1 },
};
