import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { InvalidRequest, Unavailable } from '../../src/errors.js';
import { loadNb301Surrogate, nb301Config } from '../../src/evaluators/nb301-surrogate.js';
import { Rng } from '../../src/random/rng.js';
import { DARTS_CELLS, dartsSpace } from '../../src/spaces/darts.js';
import type { DartsGenotype, DartsOperation } from '../../src/spaces/darts.js';

const BENCHMARKS_DIR = readConfig().benchmarksDir;
const NB301 = join(BENCHMARKS_DIR, 'nb301');
const PREFIX = 'NetworkSelectorDatasetInfo_COLON_darts_COLON_';

/** Every node reads the two cell inputs through `op`: the README's reference architectures. */
function everyEdge(op: DartsOperation): DartsGenotype {
  const cell = Array.from({ length: 8 }, (_, i) => [op, i % 2]);
  return dartsSpace.parse({ normal: cell, reduce: cell });
}

function randomGenotypes(seed: number, count: number): DartsGenotype[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: count }, () => dartsSpace.sample(rng));
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('NB301 configuration of a genotype', () => {
  interface Condition {
    child: string;
    parent: string;
    values: string[];
  }
  const configSpace = JSON.parse(readFileSync(join(NB301, 'config_space_v2.json'), 'utf8')) as { conditions: Condition[] };
  const encoding = JSON.parse(readFileSync(join(NB301, 'encoding_v2.json'), 'utf8')) as Record<string, Record<string, number>>;

  it('activates exactly the edges that config_space_v2.json conditions on the chosen inputs', () => {
    for (const genotype of randomGenotypes(7, 200)) {
      const config = nb301Config(genotype);
      for (const { child, parent, values } of configSpace.conditions) {
        const active = values.includes(config[parent.slice(PREFIX.length)]!);
        expect(config[child.slice(PREFIX.length)] !== '#na#', `${child} under ${config[parent.slice(PREFIX.length)]}`).toBe(active);
      }
    }
  });

  it('names only hyperparameters and values the encoding knows', () => {
    for (const genotype of randomGenotypes(8, 50)) {
      for (const [name, value] of Object.entries(nb301Config(genotype))) {
        expect(encoding[PREFIX + name]?.[value], `${name} = ${value}`).toEqual(expect.any(Number));
      }
    }
    expect(Object.keys(nb301Config(randomGenotypes(9, 1)[0]!))).toHaveLength(DARTS_CELLS.length * (14 + 3));
  });
});

describe('NB301 surrogate', () => {
  const surrogate = loadNb301Surrogate(BENCHMARKS_DIR);

  it('reproduces the reference points of the benchmark README at epoch 98', async () => {
    const [sepConv, maxPool] = await (await surrogate).query([everyEdge('sep_conv_3x3'), everyEdge('max_pool_3x3')], 98);
    expect(Math.abs(sepConv!.valAccuracy - 0.93)).toBeLessThan(0.005);
    expect(Math.abs(maxPool!.valAccuracy - 0.881)).toBeLessThan(0.005);
    expect(sepConv!.runtimeSeconds).toBeGreaterThan(maxPool!.runtimeSeconds);
  });

  it('answers a batch of 100 random genotypes with finite accuracies in [0, 1] and positive runtimes', async () => {
    const results = await (await surrogate).query(randomGenotypes(1, 100), 98);
    expect(results).toHaveLength(100);
    for (const { valAccuracy, runtimeSeconds } of results) {
      expect(valAccuracy).toBeGreaterThanOrEqual(0);
      expect(valAccuracy).toBeLessThanOrEqual(1);
      expect(runtimeSeconds).toBeGreaterThan(0);
      expect(Number.isFinite(runtimeSeconds)).toBe(true);
    }
    expect(new Set(results.map((r) => r.valAccuracy)).size).toBeGreaterThan(50);
  });

  it('gives the same answers in a batch as one by one', async () => {
    const model = await surrogate;
    const genotypes = randomGenotypes(2, 10);
    const batched = await model.query(genotypes, 50);
    const single = await Promise.all(genotypes.map(async (genotype) => (await model.query([genotype], 50))[0]!));
    batched.forEach((result, i) => {
      expect(result.valAccuracy).toBeCloseTo(single[i]!.valAccuracy, 5);
      expect(result.runtimeSeconds).toBeCloseTo(single[i]!.runtimeSeconds, 1);
    });
    expect(await model.query([], 98)).toEqual([]);
  });

  it('predicts lower accuracy and less runtime after fewer epochs', async () => {
    const model = await surrogate;
    const genotypes = randomGenotypes(3, 50);
    const [early, late] = await Promise.all([model.query(genotypes, 10), model.query(genotypes, 98)]);
    expect(mean(early.map((r) => r.valAccuracy))).toBeLessThan(mean(late.map((r) => r.valAccuracy)) - 0.05);
    expect(mean(early.map((r) => r.runtimeSeconds))).toBeLessThan(mean(late.map((r) => r.runtimeSeconds)));
  });

  it.each([0, 99, 12.5, Number.NaN])('rejects epoch %s', async (epoch) => {
    await expect((await surrogate).query([everyEdge('skip_connect')], epoch)).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('is loaded once per folder', async () => {
    expect(await loadNb301Surrogate(BENCHMARKS_DIR)).toBe(await surrogate);
  });
});

describe('NB301 surrogate files', () => {
  it('names the exact missing file', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'nb301-'));
    await expect(loadNb301Surrogate(empty)).rejects.toThrow(Unavailable);
    await expect(loadNb301Surrogate(empty)).rejects.toThrow(join(empty, 'nb301', 'model_v2.onnx'));

    const partial = await mkdtemp(join(tmpdir(), 'nb301-'));
    await mkdir(join(partial, 'nb301'));
    for (const file of ['model_v2.onnx', 'input_order.json']) await symlink(join(NB301, file), join(partial, 'nb301', file));
    await expect(loadNb301Surrogate(partial)).rejects.toThrow(join(partial, 'nb301', 'encoding_v2.json'));
  });
});
