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

  it('warm-started from searches of the same task, runs predictor-guided on their trials at once rather than the lower-fidelity policy', async () => {
    const warmStart = { type: 'IdenticalTask' as const, parentSearches: ['parent'], seeds: 10 };
    const choice = await chooseStrategy({ ...nb301('val_accuracy'), warmStart }, [shippedPolicies()]);
    expect(choice).toMatchObject({ name: 'predictor-guided', params: { parents: 3, acquisition: 'ucb' } });
    expect(choice.reason).toContain('warm-started');
    // Another task's searches say nothing about this task's answers: the policy still runs.
    const transfer = await chooseStrategy({ ...nb301('val_accuracy'), warmStart: { ...warmStart, type: 'TransferLearning' } }, [shippedPolicies()]);
    expect(transfer).toMatchObject({ name: 'rl', params: { policy: 'e20' } });
  });

  it('searching the lower fidelity itself, runs the policy of the final answers throughout', async () => {
    const choice = await chooseStrategy(nb301('val_accuracy@20'), [shippedPolicies()]);
    expect(choice).toEqual(expect.objectContaining({ name: 'rl', params: { policy: 'default' } }));
  });
});

describe('auto on NB201', () => {
  it('keeps the policy of another dataset on a warm-started search: it was measured best there', async () => {
    const choice = await chooseStrategy(
      {
        space: 'nb201',
        objectives: [{ metric: 'cifar10_valid_12', direction: 'maximize' }],
        evaluator: { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_valid_12' },
        warmStart: { type: 'IdenticalTask', parentSearches: ['parent'], seeds: 10 },
      },
      [shippedPolicies()],
    );
    expect(choice).toMatchObject({ name: 'rl', params: { policy: 'c100' } });
  });
});
