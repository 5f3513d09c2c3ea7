import { describe, expect, it } from 'vitest';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { chooseStrategy } from '../../src/usecases/choose-strategy.js';

const nb301 = (metric: string) => ({
  space: 'darts' as const,
  objectives: [{ metric, direction: 'maximize' as const }],
  evaluator: { kind: 'benchmark' as const, benchmark: 'nb301' as const },
});

describe('auto on NB301', () => {
  it('runs the policy of a lower fidelity, never the one trained on the final answers, and hands over to the search its own answers', async () => {
    const choice = await chooseStrategy(nb301('val_accuracy'), [shippedPolicies()]);
    expect(choice).toMatchObject({ name: 'rl', params: { policy: 'e20', handOverAfter: 20, handOverTo: 'predictor-guided' } });
    expect(choice.reason).toContain('lower fidelity');
  });

  it('searching the lower fidelity itself, runs the policy of the final answers throughout', async () => {
    const choice = await chooseStrategy(nb301('val_accuracy@20'), [shippedPolicies()]);
    expect(choice).toEqual(expect.objectContaining({ name: 'rl', params: { policy: 'default' } }));
  });
});
