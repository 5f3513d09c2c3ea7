import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCostEstimateView, toSearchView } from '../../src/api/views.js';
import { searchStarted } from '../../src/cli/format.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { estimateForEvaluator } from '../../src/cost/estimate.js';
import { JOB_PROFILES } from '../../src/cost/job-profiles.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { newSearch, testSpec } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { serveApi } from './served-api.js';

let db: TestStore;
let service: Awaited<ReturnType<typeof serveApi>>;
let key: string;

beforeAll(async () => {
  db = await startTestStore();
  const authorized = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() });
  key = authorized.key;
  service = await serveApi(authorized.app);
});
afterAll(async () => {
  await service?.close();
  await db?.close();
});

describe('searchStarted', () => {
  const search = toSearchView(newSearch('01SEARCH', testSpec({ maxTrialCount: 100, parallelTrialCount: 8 })));

  it("prints the id and the estimate's dollars, trials, machine, duration and price basis", () => {
    const cost = estimateForEvaluator({ evaluatorKind: 'benchmark', maxTrialCount: 100, parallelTrialCount: 8 });
    const text = searchStarted({ ...search, estimate: toCostEstimateView(cost, JOB_PROFILES.benchmark.instance) });
    const [first, second] = text.split('\n');
    expect(first).toBe('started search 01SEARCH');
    expect(second).toContain(`$${cost.usd.toFixed(2)}`);
    expect(second).toContain('100 trials');
    expect(second).toContain('Fargate 1 vCPU / 2 GiB, on-demand');
    expect(second).toContain('13.0 min at 8 at a time');
    expect(second).toContain(cost.breakdown.prices);
  });

  it('prints just the id when the service sent no estimate', () => {
    expect(searchStarted(search)).toBe('started search 01SEARCH');
  });
});

describe('nas search', () => {
  it('prints the cost estimate the service computed when the search starts', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(PROJECT_ROOT, 'bin', 'nas.mjs'), 'search', '--trials', '1000', '--parallel', '8', '--url', service.url, '--api-key', key],
      { cwd: PROJECT_ROOT },
    );
    const id = /^started search (\w+)$/m.exec(stdout)![1]!;
    expect(await db.store.getSearch('local', id)).toBeDefined();
    const cost = estimateForEvaluator({ evaluatorKind: 'benchmark', maxTrialCount: 1000, parallelTrialCount: 8 });
    expect(stdout).toContain(`estimated cost in the cloud: $${cost.usd.toFixed(2)} (1000 trials`);
  });
});
