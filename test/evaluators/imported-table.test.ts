import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequest, InvalidTable } from '../../src/errors.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { resolveSearchSpec } from '../../src/search/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';

const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const B = '|none~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|';
const B_AS_JSON = '"[""none"",""skip_connect"",""none"",""none"",""none"",""skip_connect""]"';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nas-tables-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeTable(name: string, manifest: unknown, file: string, content: string) {
  const folder = join(dir, 'tables', name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  await writeFile(join(folder, file), content);
}

const manifest = { description: 'my measurements', space: 'nb201', metrics: ['top1', 'latency'], costSecondsColumn: 'seconds' };

describe('imported benchmark tables', () => {
  it('loads a CSV table (string and JSON architecture forms) and answers lookups with its cost', async () => {
    await writeTable('mine', manifest, 'table.csv', `arch,top1,latency,seconds\n${A},91.5,3.2,120\n${B_AS_JSON},40.1,0.5,30\n`);
    const catalog = new BenchmarkCatalog(dir);
    const table = await catalog.importedTable('mine');
    expect(table.size).toBe(2);
    const evaluator = createBenchmarkEvaluator(catalog);
    const evaluation = await evaluator.evaluate({
      space: 'nb201', arch: B, evaluator: { kind: 'benchmark', benchmark: 'mine' }, metrics: ['top1', 'latency'],
    });
    expect(evaluation).toEqual({ metrics: { top1: 40.1, latency: 0.5 }, costSeconds: 30 });
    expect((await catalog.list()).map((b) => b.name)).toEqual(['nb201', 'nb301', 'mine']);
    expect(await catalog.get('mine')).toMatchObject({ spaces: ['nb201'], metrics: ['top1', 'latency'], description: 'my measurements' });
  });

  it('loads a JSON table', async () => {
    await writeTable('json-table', { space: 'nb201', metrics: ['top1'] }, 'table.json', JSON.stringify([{ arch: A, top1: 90 }, { arch: ['none', 'skip_connect', 'none', 'none', 'none', 'skip_connect'], top1: 50 }]));
    const table = await new BenchmarkCatalog(dir).importedTable('json-table');
    expect(table.max('top1')).toBe(90);
  });

  it('reports every bad row with its row number and column', async () => {
    const rows = [`arch,top1,latency,seconds`, `${A},91.5,3.2,120`, `|conv~0|,1,1,1`, `${B},high,0.5,30`, `${A},90,1,1`, `${B},40,0.5,-4`];
    await writeTable('broken', manifest, 'table.csv', rows.join('\n'));
    const attempt = new BenchmarkCatalog(dir).importedTable('broken');
    await expect(attempt).rejects.toBeInstanceOf(InvalidTable);
    const problems = await attempt.catch((error: InvalidTable) => error.problems);
    expect(problems).toEqual([
      expect.stringMatching(/^row 2, arch: nb201\.format/),
      expect.stringMatching(/^row 3, top1: expected a number, got "high"/),
      expect.stringMatching(/^row 4, arch: the same architecture as row 1/),
      expect.stringMatching(/^row 5, seconds: expected seconds >= 0/),
      expect.stringMatching(/^row 5, arch: the same architecture as row 3/),
    ]);
  });

  it('validates the manifest, naming the field', async () => {
    await writeTable('bad-manifest', { space: 'nb201', metrics: [], extra: 1 }, 'table.csv', `arch\n${A}\n`);
    const problems = await new BenchmarkCatalog(dir).importedTable('bad-manifest').catch((error: InvalidTable) => error.problems);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^metrics:/), expect.stringMatching(/^extra: unknown field/)]));
  });

  it('lets a search name an imported table, and refuses an invalid one naming evaluator.benchmark', async () => {
    const catalog = new BenchmarkCatalog(dir);
    const spec = SearchSpecSchema.parse({
      space: 'nb201',
      objectives: [{ metric: 'latency', direction: 'minimize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'benchmark', benchmark: 'mine' },
      budget: { maxTrialCount: 2 },
    });
    expect((await resolveSearchSpec(spec, catalog, () => 1)).evaluator.metric).toBe('latency');
    const broken = resolveSearchSpec({ ...spec, evaluator: { kind: 'benchmark', benchmark: 'broken' } }, catalog, () => 1);
    await expect(broken).rejects.toMatchObject({ field: 'evaluator.benchmark' });
    await expect(broken).rejects.toBeInstanceOf(InvalidRequest);
  });
});
