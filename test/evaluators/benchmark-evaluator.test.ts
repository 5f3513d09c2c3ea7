import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArchitecture, Unavailable } from '../../src/errors.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { NB201_METRICS } from '../../src/evaluators/nb201-table.js';
import { Rng } from '../../src/random/rng.js';
import { dartsSpace } from '../../src/spaces/darts.js';
import { BENCHMARKS_DIR, nb201Row } from '../helpers/nb201-csv.js';

const ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const SMALL = '|none~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|';
const evaluator = { kind: 'benchmark' as const, benchmark: 'nb201' as const };

describe('benchmark evaluator on NB201', () => {
  const nb201 = createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR));
  const evaluate = (arch: string, metrics: string[]) => nb201.evaluate({ space: 'nb201', arch, evaluator, metrics });

  it('answers every metric of the table with the table value', async () => {
    const { metrics } = await evaluate(ARCH, NB201_METRICS);
    const row = nb201Row(ARCH)!;
    for (const metric of NB201_METRICS) expect(metrics[metric], metric).toBe(Number(row[metric]));
  });

  it('charges simulated training time by fidelity and model size', async () => {
    const full = await evaluate(ARCH, ['cifar10_test_200']);
    const short = await evaluate(ARCH, ['cifar10_valid_12']);
    const small = await evaluate(SMALL, ['cifar10_test_200']);
    const latencyOnly = await evaluate(ARCH, ['latency_ms_pixel3']);
    expect(short.costSeconds).toBeGreaterThan(0);
    expect(full.costSeconds / short.costSeconds).toBeCloseTo(200 / 12, 5);
    expect(small.costSeconds).toBeLessThan(full.costSeconds);
    expect(latencyOnly.costSeconds).toBe(0);
    expect((await evaluate(ARCH, ['cifar10_test_200', 'cifar100_test_200'])).costSeconds).toBeCloseTo(2 * full.costSeconds, 5);
  });

  it('rejects an architecture that is not an NB201 cell', async () => {
    await expect(evaluate('|conv~0|', ['cifar10_test_200'])).rejects.toBeInstanceOf(InvalidArchitecture);
  });

  it('names the missing file when the benchmarks folder lacks the table', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'nas-empty-'));
    const missing = createBenchmarkEvaluator(new BenchmarkCatalog(empty));
    const attempt = missing.evaluate({ space: 'nb201', arch: ARCH, evaluator, metrics: ['cifar10_test_200'] });
    await expect(attempt).rejects.toBeInstanceOf(Unavailable);
    await expect(attempt).rejects.toThrow(join(empty, 'nb201', 'nb201.csv'));
  });
});

describe('benchmark evaluator on the NB301 surrogate', () => {
  const nb301 = createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR));
  const genotype = dartsSpace.format(dartsSpace.sample(Rng.fromSeed(1)));
  const evaluate = (epochs?: number) =>
    nb301.evaluate({
      space: 'darts',
      arch: genotype,
      evaluator: { kind: 'benchmark', benchmark: 'nb301', ...(epochs ? { fidelity: { epochs } } : {}) },
      metrics: ['val_accuracy', 'train_seconds'],
    });

  it('answers accuracy in percent and charges the predicted training time, less at a lower fidelity', async () => {
    const full = await evaluate();
    const short = await evaluate(10);
    expect(full.metrics.val_accuracy).toBeGreaterThan(50);
    expect(full.metrics.val_accuracy).toBeLessThan(100);
    expect(full.costSeconds).toBe(full.metrics.train_seconds);
    expect(short.costSeconds).toBeLessThan(full.costSeconds);
  });
});
