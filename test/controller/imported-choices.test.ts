import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearchToEnd } from '../helpers/run-search.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { openTableShelf } from '../../src/artifacts/open-artifact-store.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { countChoicesArchitectures } from '../../src/spaces/choices.js';
import { STRATEGY_NAMES } from '../../src/strategies/registry.js';
import { TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/** A benchmark keyed by declared decisions: 3 ops x 3 widths, and a kernel size only for convolutions. */
const declaration = {
  decisions: {
    op: { options: ['conv', 'sepconv', 'skip'] },
    width: { options: [16, 32, 64] },
    kernel: { options: [3, 5], when: { decision: 'op', in: ['conv', 'sepconv'] } },
  },
};
const archs = ['conv', 'sepconv'].flatMap((op) => [16, 32, 64].flatMap((width) => [3, 5].map((kernel) => ({ op, width, kernel }))));
archs.push(...[16, 32, 64].map((width) => ({ op: 'skip', width, kernel: 0 })));
const accuracy = (a: { op: string; width: number; kernel: number }) => 50 + a.width / 4 + (a.op === 'sepconv' ? 5 : 0) + a.kernel;

let db: TestStore;
let benchmarksDir: string;
beforeAll(async () => {
  db = await startTestStore();
  benchmarksDir = await mkdtemp(join(tmpdir(), 'nas-choices-'));
  const folder = join(benchmarksDir, 'tables', 'toy');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'manifest.json'), JSON.stringify({ space: 'choices', spaceConfig: declaration, metrics: ['accuracy'] }));
  const rows = archs.map((a) => `"${JSON.stringify(a.op === 'skip' ? { op: a.op, width: a.width } : a).replaceAll('"', '""')}",${accuracy(a)}`);
  await writeFile(join(folder, 'table.csv'), ['arch,accuracy', ...rows].join('\n'));
});
afterAll(async () => {
  await db.close();
  await rm(benchmarksDir, { recursive: true, force: true });
});

describe('an imported table over a declared choices space', () => {
  // `rl` runs on a policy trained for its space, and none ships for a space declared in a request.
  it.each(STRATEGY_NAMES.filter((name) => name !== 'rl'))('is searched to its optimum by %s through the controller', async (strategy) => {
    expect(countChoicesArchitectures(declaration)).toBe(archs.length);
    const catalog = new BenchmarkCatalog(benchmarksDir, openTableShelf(join(benchmarksDir, 'tables')));
    const spec = await resolveSearchSpec(
      SearchSpecSchema.parse({
        space: 'choices',
        objectives: [{ metric: 'accuracy', direction: 'maximize' }],
        strategy: { name: strategy },
        evaluator: { kind: 'benchmark', benchmark: 'toy' },
        budget: { maxTrialCount: 100, parallelTrialCount: 2 },
        seed: 1,
      }),
      catalog,
      () => 0,
    );
    expect(spec.spaceConfig).toEqual(declaration);
    const id = `choices-${strategy}`;
    await db.store.createSearch(newSearchRecord(TEST_TENANT, id, spec, new Date().toISOString()));
    const search = await runSearchToEnd(db.store, TEST_TENANT, id, { evaluator: createBenchmarkEvaluator(catalog) });
    // Every strategy runs until the 15-architecture space is used up, and never repeats one.
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'SearchSpaceExhausted', trialCount: archs.length });
    expect(search?.best?.value).toBe(Math.max(...archs.map(accuracy)));
  });
});
