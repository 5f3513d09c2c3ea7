import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { splitStrategies, strategyOf } from '../../bench/search/protocol.js';
import { loadBenchmarkTask } from '../../src/benchmarking/benchmark-tasks.js';
import { meanWithCi } from '../../src/benchmarking/statistics.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { BENCHMARKS_DIR, nb201Row } from '../helpers/nb201-csv.js';

const outDirs: string[] = [];
afterAll(() => Promise.all(outDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('benchmark statistics', () => {
  it('computes the mean and a normal 95% confidence half-width', () => {
    const stats = meanWithCi([1, 2, 3, 4, 5]);
    expect(stats.mean).toBe(3);
    expect(stats.ci95).toBeCloseTo((1.96 * Math.sqrt(2.5)) / Math.sqrt(5), 12);
    expect(meanWithCi([]).n).toBe(0);
  });
});

describe('NB201 benchmark tasks', () => {
  it.each([
    ['nb201-cifar10', 94.3733],
    ['nb201-cifar100', 73.5133],
    ['nb201-imagenet16', 47.3111],
  ] as const)('%s knows the published optimum %d and answers from the table', async (name, optimum) => {
    const task = await loadBenchmarkTask(name, BENCHMARKS_DIR);
    expect(task.optimum).toBeCloseTo(optimum, 4);
    const cell = nb201Space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');
    const [query] = await task.evaluate([cell]);
    const row = nb201Row(nb201Space.format(cell))!;
    expect(query!.score).toBe(Number(row[task.searchMetric]));
    expect(query!.reported).toBe(Number(row[task.reportMetric]));
    expect(query!.costSeconds).toBeGreaterThan(0);
  });
});

describe('bench:search strategy specs', () => {
  it('splits --strategies at the commas outside JSON params and reads each variant', () => {
    const specs = splitStrategies('evolution,predictor-guided{"refitEvery":5,"predictor":{"epochs":60}},rl@mine');
    expect(specs).toEqual(['evolution', 'predictor-guided{"refitEvery":5,"predictor":{"epochs":60}}', 'rl@mine']);
    expect(specs.map(strategyOf)).toEqual([
      { name: 'evolution', params: {} },
      { name: 'predictor-guided', params: { refitEvery: 5, predictor: { epochs: 60 } } },
      { name: 'rl', params: { policy: 'mine' } },
    ]);
  });
});

describe('npm run bench:search', () => {
  const run = async (workers: number, { seeds = 3, resume, extra = [] }: { seeds?: number; resume?: string; extra?: string[] } = {}) => {
    const out = resume ?? (await mkdtemp(join(tmpdir(), 'nas-bench-')));
    outDirs.push(out);
    const args = ['--seeds', String(seeds), '--queries', '20', '--tasks', 'nb201-cifar10', '--strategies', 'random,evolution', '--workers', String(workers), '--out', out];
    if (resume) args.push('--resume');
    args.push(...extra);
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'search', 'run.ts'), ...args], { cwd: PROJECT_ROOT });
    return out;
  };

  it('writes JSON, Markdown and SVG results, and the same seeds give the same numbers, on one worker or two', async () => {
    // One worker thread costs half the CPU of two; the second run checks that the split changes nothing.
    const [first, second] = [await run(1), await run(2)];
    const summaries = async (dir: string) => JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')).summaries;
    expect(await summaries(first)).toEqual(await summaries(second));
    const [summary] = await summaries(first);
    expect(summary).toMatchObject({ task: 'nb201-cifar10', strategy: 'random', atQueries: { 10: { n: 3 }, 20: { n: 3 } } });
    expect(await readFile(join(first, 'results.md'), 'utf8')).toContain('| nb201-cifar10 | evolution |');
    expect(await readFile(join(first, 'results.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline/);

    // A run stopped after 2 seeds (its first 4 runs saved), resumed for 3: only the third seed's runs are added, same numbers.
    const partial = await mkdtemp(join(tmpdir(), 'nas-bench-'));
    outDirs.push(partial);
    const saved = (await readFile(join(first, 'runs.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(join(partial, 'runs.jsonl'), `${saved.filter((line) => JSON.parse(line).seed < 2).join('\n')}\n`);
    await run(1, { resume: partial });
    expect(await summaries(partial)).toEqual(await summaries(first));
    expect((await readFile(join(partial, 'runs.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(6);
    expect(await readFile(join(partial, 'results.md'), 'utf8')).toContain('4 runs kept from an earlier, resumed run');
  });

  it('pools sets of seeds named by a --first-seed list into one table, each run as it runs alone', async () => {
    const [pooled, alone] = [await run(1, { seeds: 1, extra: ['--first-seed', '0,7'] }), await run(1, { seeds: 1, extra: ['--first-seed', '7'] })];
    const runs = async (dir: string) => (await readFile(join(dir, 'runs.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const pooledRuns = await runs(pooled);
    expect(pooledRuns.map((r) => r.seed).sort()).toEqual([0, 0, 7, 7]);
    expect(pooledRuns.filter((r) => r.seed === 7)).toEqual(expect.arrayContaining(await runs(alone)));
    expect(JSON.parse(await readFile(join(pooled, 'results.json'), 'utf8')).summaries[0].atQueries[20].n).toBe(2);
    expect(await readFile(join(pooled, 'results.md'), 'utf8')).toContain('2 seeds (0..0, 7..7)');
    await expect(run(1, { seeds: 3, extra: ['--first-seed', '0,2'] })).rejects.toThrow(/the sets of 3 seeds overlap/);
  });

  it('warm-starts every run from a random parent search of its task when asked, and says so', async () => {
    const [cold, warm] = [await run(1, { seeds: 2 }), await run(1, { seeds: 2, extra: ['--warm-start', '40'] })];
    const results = async (dir: string) => JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    const [coldResults, warmResults] = [await results(cold), await results(warm)];
    expect(warmResults.config.warmStartTrials).toBe(40);
    // The parent's 40 trials lead evolution's history (its first population), and are not counted as queries.
    const evolution = (r: { summaries: { strategy: string; atQueries: Record<number, { n: number; mean: number }> }[] }) => r.summaries.find((s) => s.strategy === 'evolution')!.atQueries;
    expect(evolution(warmResults)[20]!.n).toBe(2);
    expect(evolution(warmResults)[20]!.mean).not.toBe(evolution(coldResults)[20]!.mean);
    expect(await readFile(join(warm, 'results.md'), 'utf8')).toContain('warm-started (IdenticalTask) from an earlier random search of 40 trials');
  });
});

describe('npm run bench:neighbourhood', () => {
  it('refuses a --predictors entry with a bad residualCorrection, naming it', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'search', 'neighbourhood.ts'), '--predictors', '{"residualCorrection":{"top":0}}'], { cwd: PROJECT_ROOT });
    await expect(run).rejects.toThrow(/--predictors: residualCorrection in '\{"residualCorrection":\{"top":0\}\}'/);
  });

  it('ranks the unseen neighbours of the incumbent that bench:search reaches from the same warm start', async () => {
    const [neighbourhoodOut, searchOut] = [await mkdtemp(join(tmpdir(), 'nas-neighbourhood-')), await mkdtemp(join(tmpdir(), 'nas-bench-'))];
    outDirs.push(neighbourhoodOut, searchOut);
    const common = ['--warm-start', '40', '--seeds', '2', '--first-seed', '0', '--queries', '15'];
    const script = (name: string, args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'search', name), ...args], { cwd: PROJECT_ROOT });
    await script('neighbourhood.ts', [...common, '--task', 'nb201-cifar10', '--strategy', 'evolution', '--predictors', '{"epochs":5};{"epochs":5,"members":2};{"epochs":5,"residualCorrection":{"top":20}}', '--out', neighbourhoodOut]);
    await script('run.ts', [...common, '--tasks', 'nb201-cifar10', '--strategies', 'evolution', '--workers', '1', '--out', searchOut]);

    const { perSeed, summaries } = JSON.parse(await readFile(join(neighbourhoodOut, 'results.json'), 'utf8'));
    const runs = (await readFile(join(searchOut, 'runs.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(perSeed.map((s: { seed: number }) => s.seed)).toEqual([0, 1]);
    const task = await loadBenchmarkTask('nb201-cifar10', BENCHMARKS_DIR);
    for (const seed of perSeed) {
      expect(seed.incumbent).toBe(runs.find((r) => r.seed === seed.seed).bestScore[14]);
      const [answer] = await task.evaluate([nb201Space.parse(seed.incumbentArch)]);
      expect(answer!.score).toBe(seed.incumbent);
      expect(seed.neighbours).toBeGreaterThan(0);
      expect(seed.neighbours).toBeLessThanOrEqual(nb201Space.neighbours(nb201Space.parse(seed.incumbentArch)).length);
      expect(seed.better).toBeLessThanOrEqual(seed.neighbours);
      for (const variant of seed.variants) {
        expect(variant.betterInTop).toBeLessThanOrEqual(Math.min(10, seed.better));
        expect(Math.abs(variant.spearman)).toBeLessThanOrEqual(1);
      }
    }
    expect(summaries.map((s: { name: string }) => s.name)).toEqual(['{"epochs":5}', '{"epochs":5,"members":2}', '{"epochs":5,"residualCorrection":{"top":20}}']);
    // The same predictor with the correction added ranks differently.
    const spearmans = (i: number) => perSeed.map((seed: { variants: { spearman: number }[] }) => seed.variants[i]!.spearman);
    expect(spearmans(2)).not.toEqual(spearmans(0));
    expect(await readFile(join(neighbourhoodOut, 'results.md'), 'utf8')).toContain('| `{"epochs":5,"members":2}` |');
  });
});
