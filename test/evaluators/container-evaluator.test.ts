import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { estimateForEvaluator } from '../../src/cost/estimate.js';
import { containerJobProfile } from '../../src/cost/job-profiles.js';
import { TrainingCommandFailed } from '../../src/errors.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createContainerEvaluator, inheritedEnv } from '../../src/evaluators/container-evaluator.js';
import type { TrainingRun } from '../../src/evaluators/evaluator.js';
import { MAX_METRIC_LINE_CHARS, StdoutMetrics } from '../../src/evaluators/stdout-metrics.js';
import { ContainerEvaluatorSchema, type ContainerEvaluatorSpec } from '../../src/search/container-spec.js';
import type { EarlyStopVerdict } from '../../src/search/early-stopping.js';
import type { EpochObservation } from '../../src/search/records.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-trainer:v1';
const TRAINER = join(import.meta.dirname, '..', 'fixtures', 'container-trainer.mjs');

describe('StdoutMetrics (SageMaker-style metric definitions)', () => {
  const definitions = [
    { name: 'val_acc', regex: 'val_acc=([0-9.]+)' },
    { name: 'loss', regex: 'loss[:=]\\s*([-+0-9.e]+)' },
  ];

  it('reads each match as an observation: the last value is the result, the n-th value is step n of the curve', () => {
    const metrics = new StdoutMetrics(definitions);
    expect(metrics.read('starting')).toEqual([]);
    expect(metrics.read('epoch=1 val_acc=0.5 loss=0.9')).toEqual([{ step: 1, metrics: { val_acc: 0.5, loss: 0.9 } }]);
    expect(metrics.read('epoch=2 val_acc=0.75')).toEqual([{ step: 2, metrics: { val_acc: 0.75 } }]);
    // A metric that lags fills in its step: the step now holds both.
    expect(metrics.read('loss: 4e-1')).toEqual([{ step: 2, metrics: { val_acc: 0.75, loss: 0.4 } }]);
    expect(metrics.final()).toEqual({ val_acc: 0.75, loss: 0.4 });
    expect(metrics.missing(['val_acc', 'loss', 'f1'])).toEqual(['f1']);
  });

  it('ignores captures that are not finite numbers, and reads only the start of an endless line', () => {
    const metrics = new StdoutMetrics([{ name: 'val_acc', regex: 'val_acc=(\\S+)' }]);
    expect(metrics.read('val_acc=nan')).toEqual([]);
    expect(metrics.read('val_acc=')).toEqual([]);
    expect(metrics.read(`${'x'.repeat(MAX_METRIC_LINE_CHARS)} val_acc=0.9`)).toEqual([]);
    expect(metrics.read('val_acc=0.25')).toEqual([{ step: 1, metrics: { val_acc: 0.25 } }]);
  });
});

describe('ContainerEvaluatorSchema', () => {
  const base = { kind: 'container', image: IMAGE, command: ['python', 'train.py'], metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }] };

  it('fills in a one-vCPU CPU container, and refuses GPU sizes no T4 instance offers', () => {
    expect(ContainerEvaluatorSchema.parse(base).resources).toEqual({ gpu: 0, vcpus: 1, memoryMiB: 2048 });
    expect(ContainerEvaluatorSchema.safeParse({ ...base, resources: { gpu: 1, vcpus: 16, memoryMiB: 16000 } }).success).toBe(false);
    expect(ContainerEvaluatorSchema.safeParse({ ...base, image: 'docker.io/library/python:3' }).success).toBe(false);
  });
});

describe('container searches at the API', () => {
  let db: TestStore;
  type Request = Awaited<ReturnType<typeof authorizedApp>>['request'];
  let enabled: Request;
  let disabled: Request;
  let onBatch: Request;
  /** The deployed API of account 123456789012 (`NAS_SERVICE_ACCOUNT`), asked by tenant `tenant-a` and by tenant `Acme`. */
  let tenantA: Request;
  let upperCase: Request;
  beforeAll(async () => {
    db = await startTestStore();
    const deps = { store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() };
    enabled = (await authorizedApp({ ...deps, containerTrials: 'local-commands' })).request;
    disabled = (await authorizedApp(deps, 'other')).request;
    onBatch = (await authorizedApp({ ...deps, containerTrials: 'batch' }, 'on-batch')).request;
    tenantA = (await authorizedApp({ ...deps, containerTrials: 'batch', serviceAccount: '123456789012' }, 'tenant-a')).request;
    upperCase = (await authorizedApp({ ...deps, containerTrials: 'batch', serviceAccount: '123456789012' }, 'Acme')).request;
  });
  afterAll(() => db.close());

  const spec = (evaluator: Record<string, unknown>, objective = 'val_acc') => ({
    space: 'choices',
    spaceConfig: { decisions: { width: { options: [8, 64] } } },
    objectives: [{ metric: objective, direction: 'maximize' }],
    evaluator: { kind: 'container', image: IMAGE, command: ['python', 'train.py'], metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }], ...evaluator },
    budget: { maxTrialCount: 2 },
  });
  const create = async (request: typeof enabled, body: unknown) => {
    const response = await request('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { errors?: { field: string; message: string }[]; estimate?: { usd: number } } };
  };

  it('refuses a regex that does not compile or captures nothing, naming metricDefinitions[i].regex', async () => {
    const definitions = [
      { name: 'val_acc', regex: 'val_acc=([0-9.]+)' },
      { name: 'loss', regex: 'loss=([0-9.]+' },
      { name: 'f1', regex: 'f1=[0-9.]+' },
    ];
    const { status, body } = await create(enabled, spec({ metricDefinitions: definitions }));
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { field: 'evaluator.metricDefinitions[1].regex', message: expect.stringContaining('not a valid regular expression') },
      { field: 'evaluator.metricDefinitions[2].regex', message: expect.stringContaining('capture group') },
    ]);
  });

  it('on AWS Batch (the deployed API) accepts container searches, with early stopping: their reports over HTTP are judged as they come', async () => {
    expect((await create(onBatch, spec({}))).status).toBe(201);
    expect((await create(onBatch, { ...spec({}), earlyStopping: { algorithm: 'median' } })).status).toBe(201);
  });

  it("refuses an image of the service's own ECR outside the caller's tenants/<tenant>/ (tenant A naming tenant B's image), naming evaluator.image", async () => {
    const ecr = (account: string, repository: string) => `${account}.dkr.ecr.us-east-1.amazonaws.com/${repository}:v1`;
    // The attack: tenant A names tenant B's private image in the service's account.
    const stolen = await create(tenantA, spec({ image: ecr('123456789012', 'tenants/tenant-b/trainer') }));
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors).toEqual([{ field: 'evaluator.image', message: expect.stringContaining('under tenants/tenant-a/') }]);
    // Nor any other repository of that account: the service's own, a prefix of A's id, a look-alike path.
    for (const repository of ['my-trainer', 'tenants/tenant-ab/trainer', 'tenants/tenant-a', 'team/tenants/tenant-a/trainer']) {
      const refused = await create(tenantA, spec({ image: ecr('123456789012', repository) }));
      expect({ repository, status: refused.status, fields: refused.body.errors?.map((e) => e.field) }).toEqual({ repository, status: 400, fields: ['evaluator.image'] });
    }
    // By digest too.
    const byDigest = await create(tenantA, spec({ image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/tenants/tenant-b/trainer@sha256:${'a'.repeat(64)}` }));
    expect(byDigest.status).toBe(400);

    // Its own repositories, and another account's (the tenant's own, which grants A's execution role), are accepted.
    expect((await create(tenantA, spec({ image: ecr('123456789012', 'tenants/tenant-a/trainer') }))).status).toBe(201);
    expect((await create(tenantA, spec({ image: ecr('123456789012', 'tenants/tenant-a/team/trainer') }))).status).toBe(201);
    expect((await create(tenantA, spec({ image: ecr('210987654321', 'tenants/tenant-b/trainer') }))).status).toBe(201);
    // A tenant id no ECR repository can be named after (upper case) has no repository here: its own account only.
    const upper = await create(upperCase, spec({ image: ecr('123456789012', 'tenants/acme/trainer') }));
    expect(upper.body.errors).toEqual([{ field: 'evaluator.image', message: expect.stringContaining('lower case') }]);
    expect((await create(upperCase, spec({ image: ecr('210987654321', 'trainer') }))).status).toBe(201);
  });

  it('refuses objectives that no metric definition reads', async () => {
    const { status, body } = await create(enabled, spec({}, 'accuracy'));
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field: 'objectives[0].metric', message: expect.stringContaining('define it in evaluator.metricDefinitions') }]);
  });

  it('refuses container searches where the service runs no commands, and prices them by their resources where it does', async () => {
    const refused = await create(disabled, spec({}));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'evaluator.kind', message: expect.stringContaining('NAS_CONTAINER_COMMANDS=local') }]);

    const gpu = await create(enabled, spec({ resources: { gpu: 1, vcpus: 4, memoryMiB: 14000 } }));
    expect(gpu.status).toBe(201);
    // Two trials on a g4dn.xlarge, as two training trials are priced.
    expect(gpu.body.estimate?.usd).toBe(estimateForEvaluator({ evaluatorKind: 'train', maxTrialCount: 2, parallelTrialCount: 1 }).usd);
    const cpu = await create(enabled, spec({ resources: { vcpus: 2, memoryMiB: 4096 } }));
    expect(cpu.body.estimate?.usd).toBeLessThan(gpu.body.estimate!.usd);
  });
});

describe('containerJobProfile', () => {
  it('puts a GPU container on the smallest T4 type that fits, a CPU one on Fargate at its size', () => {
    const sized = (resources: ContainerEvaluatorSpec['resources']) => containerJobProfile({ resources }).instance;
    expect(sized({ gpu: 1, vcpus: 4, memoryMiB: 14000 })).toEqual({ kind: 'ec2', type: 'g4dn.xlarge', market: 'on-demand' });
    expect(sized({ gpu: 1, vcpus: 8, memoryMiB: 16000 })).toEqual({ kind: 'ec2', type: 'g4dn.2xlarge', market: 'on-demand' });
    expect(sized({ gpu: 0, vcpus: 2, memoryMiB: 4096 })).toEqual({ kind: 'fargate', vcpu: 2, memoryGiB: 4, market: 'on-demand' });
  });
});

describe('the container evaluator (a local command)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nas-container-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const evaluator = createContainerEvaluator({
    checkpointUri: (prefix) => `${pathToFileURL(join(root, prefix)).href}/`,
    baseEnv: inheritedEnv(process.env),
    stopGraceSeconds: 1,
  });

  function trialRun(verdict: (observation: EpochObservation) => EarlyStopVerdict = () => ({ stop: false })) {
    const reported: EpochObservation[] = [];
    const run: TrainingRun = {
      trial: { searchId: 's1', number: 4 },
      recordedEpochs: [],
      artifacts: new DirectoryArtifactStore(root),
      artifactPrefix: 'tenants/t/searches/s1/trials/4/',
      datasets: { tenantId: 't' },
      seed: 11,
      async reportEpoch(observation) {
        reported.push(observation);
        return verdict(observation);
      },
    };
    return { run, reported };
  }
  const task = (command: string[], run: TrainingRun, extra: Partial<ContainerEvaluatorSpec> = {}) => ({
    space: 'choices',
    spaceConfig: { decisions: { width: { options: [8, 64] } } },
    arch: 'width=64',
    metrics: ['val_acc'],
    run,
    evaluator: ContainerEvaluatorSchema.parse({ kind: 'container', image: IMAGE, command, metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }], ...extra }),
  });

  it('runs the command with the trial in its environment, reports each step and answers the last values', async () => {
    const { run, reported } = trialRun();
    const measured = await evaluator.evaluate(task([process.execPath, TRAINER], run));
    expect(measured.metrics).toEqual({ val_acc: 1 });
    expect(reported.map((o) => [o.epoch, o.metrics.val_acc])).toEqual([[1, 0.3333], [2, 0.6667], [3, 1]]);
    expect(await readFile(join(root, run.artifactPrefix, 'done.txt'), 'utf8')).toBe('s1/4');
  });

  it('stops the command when early stopping says so, and keeps the result so far', async () => {
    const { run, reported } = trialRun((observation) => (observation.epoch >= 2 ? { stop: true, reason: 'below the median' } : { stop: false }));
    const script = 'for (let i = 1; ; i++) { console.log(`val_acc=${i / 10}`); await new Promise((r) => setTimeout(r, 20)); }';
    const measured = await evaluator.evaluate(task([process.execPath, '--input-type=module', '-e', script], run));
    expect(measured.earlyStopped).toEqual({ epoch: 2, reason: 'below the median' });
    expect(reported.map((o) => o.epoch)).toEqual([1, 2]);
    expect(measured.metrics.val_acc).toBeGreaterThanOrEqual(0.2);
  });

  it('fails the trial with the end of standard error when the command exits non-zero, or runs past its time', async () => {
    const { run } = trialRun();
    const failed = evaluator.evaluate(task([process.execPath, '-e', 'console.error("boom: bad input"); process.exit(2)'], run));
    await expect(failed).rejects.toThrow(/exited with code 2; its standard error ended with:\nboom: bad input/);
    await expect(failed).rejects.toBeInstanceOf(TrainingCommandFailed);
    const missing = evaluator.evaluate(task(['/nonexistent/trainer'], run));
    await expect(missing).rejects.toThrow(/could not start/);
    // The schema's least timeout is a minute; the evaluator takes whatever the stored spec says.
    // (Not asserting its standard error: on a busy machine Node may not have started within the 0.3 s.)
    const hanging = task([process.execPath, '-e', 'setInterval(() => {}, 1000)'], run);
    const late = evaluator.evaluate({ ...hanging, evaluator: { ...hanging.evaluator, timeoutSeconds: 0.3 } });
    await expect(late).rejects.toThrow(/ran past timeoutSeconds \(0.3 s\) and was stopped/);
  });

  it('hands the command none of the service settings or credentials', () => {
    expect(inheritedEnv({ PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'x', NAS_DYNAMODB_ENDPOINT: 'http://db', HOME: '/h' })).toEqual({ PATH: '/bin', HOME: '/h' });
  });
});
