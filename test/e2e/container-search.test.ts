import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type NasClient } from 'serverless-nas/client';
import { readConfig } from '../../src/config.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';
import { waitFor } from '../../src/local/service-process.js';

/** A user's training code as the `container` evaluator runs it locally: a command, here a small Node script. */
const TRAINER = join(import.meta.dirname, '..', 'fixtures', 'container-trainer.mjs');
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-trainer:v1';
/** A user's training code that reports over HTTP with the SDK instead of printing (`containerTrial`). */
const REPORTER = join(import.meta.dirname, '..', 'fixtures', 'reporting-container.ts');

let dataDir: string;
let service: LocalService;
let client: NasClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nas-container-e2e-'));
  // The data folder's settings from its own environment, so that checkpoints land under it.
  const config = readConfig({ NAS_DATA_DIR: dataDir, NAS_CONTAINER_COMMANDS: 'local' });
  service = await startLocalService({ ...config, port: 0, workers: 2, sweepSeconds: 1 });
  client = createClient({ baseUrl: service.url, apiKey: service.apiKey });
});
afterAll(async () => {
  await service?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function containerSearch(command: string[], maxTrialCount: number) {
  return client.createSearch({
    space: 'choices',
    spaceConfig: { decisions: { width: { options: [8, 16, 32, 64] } } },
    objectives: [{ metric: 'val_acc', direction: 'maximize' }],
    strategy: { name: 'random' },
    evaluator: {
      kind: 'container',
      image: IMAGE,
      command,
      resources: { gpu: 1, vcpus: 4, memoryMiB: 14000 },
      metricDefinitions: [
        { name: 'val_acc', regex: 'val_acc=([0-9.]+)' },
        { name: 'loss', regex: 'loss=([0-9.]+)' },
      ],
    },
    budget: { maxTrialCount, parallelTrialCount: 2 },
    seed: 5,
  });
}

const finished = (id: string) =>
  waitFor(async () => {
    const search = await client.getSearch(id);
    return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(search.status) ? search : undefined;
  }, `search ${id} to finish`, 30_000);

describe('a container search on the local service', () => {
  it('runs the command per trial with the architecture in NAS_ARCH, and records metrics and curves read from its output', async () => {
    const { id } = await containerSearch([process.execPath, TRAINER], 3);
    expect((await finished(id)).status).toBe('SUCCEEDED');

    const trials = await client.allTrials(id);
    expect(trials.map((t) => t.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    for (const trial of trials) {
      // The fixture's accuracy is width/64 after its last epoch: the architecture reached the command.
      const width = Number(/width=(\d+)/.exec(trial.arch)![1]);
      expect(trial.metrics).toEqual({ val_acc: Number((width / 64).toFixed(4)), loss: 0.3333 });
      expect(trial.curve?.map((point) => point.epoch)).toEqual([1, 2, 3]);
      expect(trial.curve?.[0]?.metrics).toEqual({ val_acc: Number((width / 64 / 3).toFixed(4)), loss: 1 });
      // Its checkpoint went under the trial's own prefix of the tenant's artifacts.
      const checkpoint = join(dataDir, 'artifacts', 'tenants', 'local', 'searches', id, 'trials', String(trial.number), 'done.txt');
      expect(await readFile(checkpoint, 'utf8')).toBe(`${id}/${trial.number}`);
    }
    const best = await client.bestTrial(id);
    expect(best.metrics?.val_acc).toBe(Math.max(...trials.map((t) => t.metrics!.val_acc!)));
  });

  it('takes reports over HTTP from a command with its trial token: the curve, early stopping per report, the result', async () => {
    const { id } = await client.createSearch({
      space: 'choices',
      spaceConfig: { decisions: { width: { options: [8, 16, 32, 64] } } },
      objectives: [{ metric: 'val_acc', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'container', image: IMAGE, command: [process.execPath, '--import', 'tsx', REPORTER], metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }] },
      // One at a time: each trial is judged against the full curves of those before it.
      earlyStopping: { algorithm: 'median', settings: { minTrialsRequired: 1, startEpoch: 1 } },
      budget: { maxTrialCount: 4, parallelTrialCount: 1 },
      seed: 5,
    });
    expect((await finished(id)).status).toBe('SUCCEEDED');
    const trials = await client.allTrials(id);
    const widthOf = (arch: string) => Number(/width=(\d+)/.exec(arch)![1]);
    for (const trial of trials) {
      if (trial.status === 'SUCCEEDED') {
        expect(trial.metrics?.val_acc).toBe(Number((widthOf(trial.arch) / 64).toFixed(4)));
        expect(trial.curve?.map((point) => point.epoch)).toEqual([1, 2, 3, 4]);
      } else {
        // Narrower than one before it: below the median at its first report, and stopped there.
        expect(trial).toMatchObject({ status: 'EARLY_STOPPED', curve: [{ epoch: 1 }] });
        expect(trial.earlyStopReason).toBeDefined();
        expect(trials.some((t) => t.number < trial.number && widthOf(t.arch) > widthOf(trial.arch))).toBe(true);
      }
    }
    expect(trials.map((t) => t.status)).toContain('EARLY_STOPPED');
  });

  it('fails a trial whose command exits non-zero, for good, with the end of its standard error as the reason', async () => {
    const { id } = await containerSearch([process.execPath, TRAINER, 'fail'], 1);
    await finished(id);
    const [trial] = await client.allTrials(id);
    expect(trial).toMatchObject({ status: 'FAILED', attempt: 1, error: { retryable: false } });
    expect(trial!.error!.message).toMatch(/exited with code 3; its standard error ended with:\ntrial 1: CUDA out of memory/);
  });

  it('kills the command when the search is stopped', async () => {
    const hang = "require('node:fs').writeFileSync(new URL('pid', process.env.NAS_CHECKPOINT_URI), String(process.pid)); setInterval(() => {}, 1000);";
    const { id } = await containerSearch([process.execPath, '-e', hang], 1);
    const pidFile = join(dataDir, 'artifacts', 'tenants', 'local', 'searches', id, 'trials', '1', 'pid');
    const pid = await waitFor(() => readFile(pidFile, 'utf8').then(Number, () => undefined), 'the command to start');
    await client.stopSearch(id);
    const alive = () => {
      try {
        return process.kill(pid, 0);
      } catch {
        return false;
      }
    };
    await waitFor(async () => (alive() ? undefined : true), 'the command to be killed', 10_000);
    expect((await finished(id)).status).toBe('STOPPED');
  });
});
