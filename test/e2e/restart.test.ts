import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SearchView } from '../../src/api/views.js';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient } from '../../src/client/index.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../../src/local/service-process.js';

const TRIALS = 40;
const API_KEY = newApiKey();
let dataDir: string;
let service: ServiceProcess | undefined;

afterAll(async () => {
  await service?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('killing the service mid-search', () => {
  it('resumes on restart and finishes with exactly maxTrialCount trials, none lost or duplicated', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nas-restart-'));
    // 0.15-0.4 s of real time per simulated trial, so that jobs are surely mid-run when we kill them.
    const env = { NAS_API_KEY: API_KEY, NAS_DATA_DIR: dataDir, NAS_SIMULATED_TIME_SCALE: '0.0001', NAS_WORKERS: '2', NAS_SWEEP_SECONDS: '1' };
    service = await startServiceProcess(env);
    let client = createClient({ baseUrl: service.url, apiKey: API_KEY });
    const { id } = await client.createSearch({
      space: 'nb201',
      objectives: [{ metric: 'cifar10_valid_12', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      budget: { maxTrialCount: TRIALS, parallelTrialCount: 4 },
      seed: 11,
    });
    // Crash mid-search: the controller evaluates benchmark trials in-process, and sleeps each batch's
    // simulated 0.15-0.4 s out before saving it, so the kill lands inside a round.
    const beforeCrash = await waitFor(async () => {
      const search = await client.getSearch(id);
      return search.trialStatusCounters.succeeded >= 6 ? search : undefined;
    }, 'the first 6 trials');
    await service.crash();

    service = await startServiceProcess(env);
    client = createClient({ baseUrl: service.url, apiKey: API_KEY });
    const resumedFrom = await client.getSearch(id);
    expect(resumedFrom.status).toBe('RUNNING');
    expect(resumedFrom.trialStatusCounters.succeeded).toBeLessThan(TRIALS);
    expect(resumedFrom.trialStatusCounters.succeeded).toBeGreaterThanOrEqual(beforeCrash.trialStatusCounters.succeeded);

    const finished = await waitFor<SearchView>(async () => {
      const search = await client.getSearch(id);
      return search.status === 'RUNNING' || search.status === 'CREATED' ? undefined : search;
    }, 'the search to finish');
    const trials = await client.allTrials(id);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialCount: TRIALS });
    expect(finished.trialStatusCounters.succeeded).toBe(TRIALS);
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: TRIALS }, (_, i) => i + 1));
    expect(new Set(trials.map((t) => t.archHash)).size).toBe(TRIALS);
    expect(trials.every((t) => t.status === 'SUCCEEDED' && t.metrics?.cifar10_valid_12 !== undefined)).toBe(true);
    // The round that died with the service was never saved: its numbers were given again, nothing counted twice.
    expect(finished.trainingSeconds).toBeCloseTo(trials.reduce((sum, t) => sum + t.costSeconds!, 0), 6);
  });
});
