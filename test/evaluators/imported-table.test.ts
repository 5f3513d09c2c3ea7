import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { InvalidRequest, InvalidTable, Unavailable } from '../../src/errors.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { openTableShelf } from '../../src/artifacts/open-artifact-store.js';
import type { TableShelf } from '../../src/evaluators/imported-table.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { startS3rver } from '../artifacts/store-fixtures.js';

const A = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const B = '|none~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|';
const B_AS_JSON = '"[""none"",""skip_connect"",""none"",""none"",""none"",""skip_connect""]"';

interface Shelf {
  /** The catalog as the service builds it over this shelf. */
  catalog(): BenchmarkCatalog;
  readonly shelf: TableShelf;
  close(): Promise<void>;
}

/** The local default: `<benchmarks>/tables/` on disk. */
async function folderShelf(): Promise<Shelf> {
  const benchmarksDir = await mkdtemp(join(tmpdir(), 'nas-tables-'));
  const shelf = openTableShelf(readConfig({ NAS_BENCHMARKS_DIR: benchmarksDir }).tables);
  return { shelf, catalog: () => new BenchmarkCatalog(benchmarksDir, shelf), close: () => rm(benchmarksDir, { recursive: true, force: true }) };
}

/** The cloud: the artifacts bucket under `tables/` (NAS_TABLES=s3://<bucket>/tables), on s3rver. */
async function bucketShelf(): Promise<Shelf> {
  const s3 = await startS3rver();
  const shelf = { store: s3.store('tables/'), location: `s3://${s3.bucket}/tables` };
  return { shelf, catalog: () => new BenchmarkCatalog('/nonexistent/benchmarks', shelf), close: s3.close };
}

const manifest = { description: 'my measurements', space: 'nb201', metrics: ['top1', 'latency'], costSecondsColumn: 'seconds' };

describe.each([
  ['a folder', folderShelf],
  ['an S3 bucket', bucketShelf],
])('imported benchmark tables in %s', (_where, openShelf) => {
  let fixture: Shelf;
  beforeAll(async () => {
    fixture = await openShelf();
  });
  afterAll(() => fixture.close());

  async function writeTable(name: string, manifest: unknown, file: string, content: string) {
    await fixture.shelf.store.put(`${name}/manifest.json`, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    await fixture.shelf.store.put(`${name}/${file}`, content);
  }

  it('loads a CSV table (string and JSON architecture forms) and answers lookups with its cost', async () => {
    await writeTable('mine', manifest, 'table.csv', `arch,top1,latency,seconds\n${A},91.5,3.2,120\n${B_AS_JSON},40.1,0.5,30\n`);
    const catalog = fixture.catalog();
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
    const table = await fixture.catalog().importedTable('json-table');
    expect(table.max('top1')).toBe(90);
  });

  it('reports every bad row with its row number and column', async () => {
    const rows = [`arch,top1,latency,seconds`, `${A},91.5,3.2,120`, `|conv~0|,1,1,1`, `${B},high,0.5,30`, `${A},90,1,1`, `${B},40,0.5,-4`];
    await writeTable('broken', manifest, 'table.csv', rows.join('\n'));
    const attempt = fixture.catalog().importedTable('broken');
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
    const problems = await fixture.catalog().importedTable('bad-manifest').catch((error: InvalidTable) => error.problems);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^metrics:/), expect.stringMatching(/^extra: unknown field/)]));
  });

  it('names where it looked for a table that is not there', async () => {
    const missing = fixture.catalog().importedTable('ghost');
    await expect(missing).rejects.toBeInstanceOf(Unavailable);
    await expect(missing).rejects.toThrow(`no imported table 'ghost': ${fixture.shelf.location}/ghost/manifest.json not found`);
    await fixture.shelf.store.put('no-rows/manifest.json', JSON.stringify({ space: 'nb201', metrics: ['top1'] }));
    await expect(fixture.catalog().importedTable('no-rows')).rejects.toThrow(`${fixture.shelf.location}/no-rows/table.csv nor ${fixture.shelf.location}/no-rows/table.json`);
  });

  it('lets a search name an imported table, and refuses an invalid one naming evaluator.benchmark', async () => {
    const catalog = fixture.catalog();
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
