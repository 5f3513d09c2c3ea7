import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/random/rng.js';
import { apeXEpsilons, epsilonGreedy } from '../../../src/strategies/rl/actors.js';
import { doubleDqnTargets, Learner, type Transition } from '../../../src/strategies/rl/learner.js';
import { createQNetwork } from '../../../src/strategies/rl/networks.js';
import type { Observation } from '../../../src/strategies/rl/observation.js';
import { maskedArgmax, type QNetworkConfig } from '../../../src/strategies/rl/q-network.js';

const layout = { tokens: 2, tokenWidth: 3, contextSize: 3, actions: 4 };
const observation = (values: number[], mask = [1, 1, 1, 1]): Observation => ({ features: Float32Array.from(values), mask: Uint8Array.from(mask) });

describe('action selection', () => {
  it('masked argmax takes the best legal action, -1 when none is legal', () => {
    expect(maskedArgmax([5, 1, 3, 9], [0, 1, 1, 0])).toBe(2);
    expect(maskedArgmax([-5, -1], [1, 1])).toBe(1);
    expect(maskedArgmax([1, 2], [0, 0])).toBe(-1);
  });

  it('epsilon-greedy explores only legal actions and is greedy at epsilon 0', () => {
    const rng = Rng.fromSeed(4);
    const mask = [0, 1, 0, 1];
    for (let i = 0; i < 200; i++) expect([1, 3]).toContain(epsilonGreedy([9, 0, 9, 1], mask, 1, rng));
    expect(epsilonGreedy([9, 0, 9, 1], mask, 0, rng)).toBe(3);
  });

  it('spreads Ape-X exploration rates from epsilon to epsilon^(1 + alpha)', () => {
    const epsilons = apeXEpsilons(4);
    expect(epsilons[0]).toBeCloseTo(0.4, 12);
    expect(epsilons[3]).toBeCloseTo(0.4 ** 8, 12);
    for (let i = 1; i < 4; i++) expect(epsilons[i]!).toBeLessThan(epsilons[i - 1]!);
  });
});

describe('double DQN targets', () => {
  it('pick the action with the online network and value it with the target network, over legal actions only', () => {
    const next = observation([0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 1]);
    const online = [1, 5, 9, 2]; // action 2 is best but illegal: argmax over legal is action 1
    const target = [100, 7, 50, 3];
    expect(doubleDqnTargets([{ reward: 2, discount: 0.25, next }], online, target, 4)).toEqual([2 + 0.25 * 7]);
  });

  it('read each transition its own row', () => {
    const next = observation([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const targets = doubleDqnTargets(
      [
        { reward: 0, discount: 1, next },
        { reward: 1, discount: 0.5, next },
      ],
      [0, 1, 0, 0, /* row 2 */ 0, 0, 0, 1],
      [0, 10, 0, 0, /* row 2 */ 0, 0, 0, 20],
      4,
    );
    expect(targets).toEqual([10, 11]);
  });
});

describe.each<QNetworkConfig>([
  { kind: 'mlp', hidden: [16] },
  { kind: 'transformer', model: 8, heads: 2, layers: 1 },
])('learner with a $kind Q-network', (config) => {
  it('fits a fixed batch of transitions and copies the target network on schedule', () => {
    const rng = Rng.fromSeed(5);
    const online = createQNetwork(config, layout, rng);
    const target = createQNetwork(config, layout, rng);
    const learner = new Learner(online, target, { learningRate: 0.01, clipNorm: 10, targetUpdateInterval: 50 });
    const batch: Transition[] = Array.from({ length: 16 }, (_, i) => ({
      state: observation(Array.from({ length: 9 }, () => rng.float())),
      action: i % 4,
      reward: i % 4 === 2 ? 1 : -1,
      next: observation(Array.from({ length: 9 }, () => rng.float())),
      discount: 0.1,
    }));
    const weights = batch.map(() => 1);
    const first = learner.step(batch, weights);
    let last = first;
    for (let i = 1; i < 50; i++) last = learner.step(batch, weights);
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.tdErrors).toHaveLength(16);
    // After step 50 the target network equals the online one.
    expect(target.parameterValues()).toEqual(online.parameterValues());
    online.dispose();
    target.dispose();
  });
});
