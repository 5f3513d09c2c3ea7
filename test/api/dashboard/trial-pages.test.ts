import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createApp } from '../../../src/api/app.js';
import { SESSION_COOKIE } from '../../../src/api/auth.js';
import { BenchmarkCatalog } from '../../../src/evaluators/benchmarks.js';
import type { EpochObservation, SearchRecord, TrialRecord } from '../../../src/search/records.js';
import { SearchSpecSchema, type SearchSpec } from '../../../src/search/spec.js';
import { authorizedApp } from '../../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../../helpers/nb201-csv.js';
import { RecordingEvents } from '../../helpers/recording-events.js';
import { newSearch, newTrial } from '../../helpers/records.js';
import { signIn } from '../../helpers/sign-in.js';
import { startTestStore, type TestStore } from '../../helpers/store.js';

/** The dashboard's search and trial pages over records written straight into the store: curves, lineage, export. */

const TENANT = 'local';
const SEARCH_ID = '01KDASHBOARDLINEAGE0000000';
const EPOCHS = 5;

let db: TestStore;
let app: ReturnType<typeof createApp>;
let session: string;

const spec: SearchSpec = {
  ...SearchSpecSchema.parse({
    name: 'mlp on blobs',
    space: 'mlp',
    objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
    strategy: { name: 'evolution' },
    evaluator: { kind: 'train', dataset: 'blobs', schedule: { epochs: EPOCHS, batchSize: 50, learningRate: 0.02 } },
    budget: { maxTrialCount: 4, parallelTrialCount: 2 },
    earlyStopping: { algorithm: 'median', settings: { startEpoch: 1, minTrialsRequired: 1 } },
  }),
  seed: 3,
};

const curve = (accuracies: number[]): EpochObservation[] =>
  accuracies.map((accuracy, i) => ({ epoch: i + 1, metrics: { validation_accuracy: accuracy, validation_loss: 1 - accuracy }, seconds: i + 1 }));

/** Trial 1 is the root; 2 and 3 are derived from it, 4 from 3. Trial 2 was stopped after two epochs. */
const trials: TrialRecord[] = [
  newTrial(SEARCH_ID, 1, { tenantId: TENANT, status: 'SUCCEEDED', arch: 'dense(64,relu,0)', curve: curve([0.5, 0.6, 0.7, 0.75, 0.8]) }),
  newTrial(SEARCH_ID, 2, {
    tenantId: TENANT,
    status: 'EARLY_STOPPED',
    arch: 'dense(64,relu,0)>dense(32,tanh,0)',
    curve: curve([0.3, 0.35]),
    parent: { trialNumber: 1, change: 'add dense(32,tanh,0)' },
    earlyStopReason: 'best 0.35 below the median 0.55 at epoch 2',
  }),
  newTrial(SEARCH_ID, 3, {
    tenantId: TENANT,
    status: 'SUCCEEDED',
    arch: 'dense(128,relu,0)',
    curve: curve([0.6, 0.7, 0.8, 0.85, 0.9]),
    parent: { trialNumber: 1, change: 'units of layer 1: 64 -> 128' },
    backend: 'cpu',
    modelKey: `models/${SEARCH_ID}/3`,
  }),
  newTrial(SEARCH_ID, 4, {
    tenantId: TENANT,
    status: 'SUCCEEDED',
    arch: 'dense(128,gelu,0)',
    curve: curve([0.55, 0.65, 0.7, 0.72, 0.74]),
    parent: { trialNumber: 3, change: 'activation of layer 1: relu -> gelu' },
  }),
].map((trial) => ({ ...trial, metrics: { validation_accuracy: trial.curve!.at(-1)!.metrics.validation_accuracy! } }));

const search: SearchRecord = {
  ...newSearch(SEARCH_ID, spec, TENANT),
  status: 'SUCCEEDED',
  reason: 'MaxTrialsReached',
  trialCount: 4,
  best: { trialNumber: 3, arch: 'dense(128,relu,0)', value: 0.9, metrics: { validation_accuracy: 0.9 } },
};

beforeAll(async () => {
  db = await startTestStore();
  const { app: signedIn, key } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() }, TENANT);
  app = signedIn;
  session = await signIn(app, key);
  await db.store.createSearch(search);
  for (const trial of trials) await db.store.createTrial(trial);
});
afterAll(() => db?.close());

const get = async (path: string) => {
  const response = await app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
  return { status: response.status, html: await response.text() };
};
const count = (html: string, pattern: RegExp) => html.match(new RegExp(pattern, 'g'))?.length ?? 0;

describe('a train search with lineage', () => {
  it('draws every learning curve, the best highlighted and the early-stopped one marked', async () => {
    const { status, html } = await get(`/searches/${SEARCH_ID}`);
    expect(status).toBe(200);
    const charts = html.slice(html.indexOf('id="learning-curves"'), html.indexOf('</section>', html.indexOf('id="learning-curves"')));
    // Accuracy and loss, each with one curve per trial.
    expect(count(charts, /<figure class="chart curve-chart">/)).toBe(2);
    expect(count(charts, /<g class="curve[^"]*" data-trial="\d+">/)).toBe(8);
    expect(count(charts, /<g class="curve highlighted" data-trial="3">/)).toBe(2);
    expect(count(charts, /<g class="curve early-stopped" data-trial="2">/)).toBe(2);
    expect(count(charts, /class="stop-mark"/)).toBe(2);
    expect(charts).toContain(`href="/searches/${SEARCH_ID}/trials/2"`);
  });

  it('draws the lineage as a tree of trials with each change on its edge, and a parent column', async () => {
    const { html } = await get(`/searches/${SEARCH_ID}`);
    const lineage = html.slice(html.indexOf('id="lineage"'), html.indexOf('</section>', html.indexOf('id="lineage"')));
    expect(count(lineage, /<g class="derivation"/)).toBe(3);
    expect(lineage).toContain('data-from="3" data-to="4"');
    expect(lineage).toContain('activation of layer 1: relu -&gt; gelu');
    expect(count(lineage, /<g class="lineage-trial[^"]*" data-trial="\d"/)).toBe(4);
    expect(lineage).toMatch(/<g class="lineage-trial status-succeeded best" data-trial="3"/);
    const table = html.slice(html.indexOf('id="trials"'));
    expect(table).toContain('<th class="num">Parent</th>');
    expect(table).toMatch(new RegExp(`title="units of layer 1: 64 -&gt; 128"><a href="/searches/${SEARCH_ID}/trials/1">1</a>`));
  });

  it("shows a trial's curve, backend, parent, children, architecture and model export", async () => {
    const { status, html } = await get(`/searches/${SEARCH_ID}/trials/3`);
    expect(status).toBe(200);
    expect(html).toContain('<h1>Trial 3</h1>');
    expect(html).toContain('<dd class="backend">cpu</dd>');
    expect(html).toContain(`<a href="/searches/${SEARCH_ID}/trials/1">trial 1</a>: units of layer 1: 64 -&gt; 128`);
    expect(html).toContain(`<a href="/searches/${SEARCH_ID}/trials/4">trial 4</a>: activation of layer 1: relu -&gt; gelu`);
    expect(html).toContain(`href="/v1/searches/${SEARCH_ID}/trials/3/model"`);
    expect(count(html, /<g class="curve highlighted" data-trial="3">/)).toBe(2);
    expect(html).toContain('<svg class="architecture"');
    // Its live part is what the page script swaps in.
    const live = await get(`/searches/${SEARCH_ID}/trials/3/live`);
    expect(live.html).toContain('<dd class="backend">cpu</dd>');
    expect(live.html).not.toContain('<html');
  });

  it("says why an early-stopped trial stopped, and offers no export for a trial without a model", async () => {
    const { html } = await get(`/searches/${SEARCH_ID}/trials/2`);
    expect(html).toContain('<dd class="early-stop-reason">best 0.35 below the median 0.55 at epoch 2</dd>');
    expect(html).not.toContain('/model"');
  });

  it('answers a trial that does not exist with a not-found page', async () => {
    for (const number of ['5', '0', 'x', '1e3']) expect((await get(`/searches/${SEARCH_ID}/trials/${number}`)).status).toBe(404);
  });

  it("prefills the predictor form from the chosen search's space, evaluator and metric", async () => {
    const { status, html } = await get(`/predict?search=${SEARCH_ID}`);
    expect(status).toBe(200);
    expect(html).toMatch(/<option selected="">mlp<\/option>/);
    expect(html).toContain('name="metric" value="validation_accuracy"');
    const evaluator = /<textarea name="evaluator"[^>]*>([^<]*)<\/textarea>/.exec(html)![1]!.replaceAll('&quot;', '"');
    expect(JSON.parse(evaluator)).toEqual(spec.evaluator);
  });
});

describe('an external search', () => {
  const EXTERNAL_ID = '01KDASHBOARDEXTERNAL000000';
  const externalSpec: SearchSpec = {
    ...SearchSpecSchema.parse({
      space: 'mlp',
      objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'external', metrics: ['accuracy', 'loss'] },
      budget: { maxTrialCount: 3 },
      earlyStopping: { algorithm: 'median' },
    }),
    seed: 1,
  };
  /** What workers reported, one step apart: trial 2 was stopped at step 2, trial 3 is still training. */
  const reports = (accuracies: number[]): EpochObservation[] => accuracies.map((accuracy, i) => ({ epoch: i + 1, metrics: { accuracy, loss: 1 - accuracy }, seconds: i }));

  beforeAll(async () => {
    await db.store.createSearch({ ...newSearch(EXTERNAL_ID, externalSpec, TENANT), status: 'RUNNING', trialCount: 3 });
    await db.store.createTrial(newTrial(EXTERNAL_ID, 1, { tenantId: TENANT, status: 'SUCCEEDED', arch: 'dense(64,relu,0)', curve: reports([0.5, 0.6, 0.7]), workerId: 'gpu-box-1' }));
    await db.store.createTrial(newTrial(EXTERNAL_ID, 2, { tenantId: TENANT, status: 'EARLY_STOPPED', arch: 'dense(8,relu,0)', curve: reports([0.2, 0.25]), earlyStopReason: 'median rule' }));
    await db.store.createTrial(newTrial(EXTERNAL_ID, 3, { tenantId: TENANT, status: 'RUNNING', arch: 'dense(32,relu,0)', curve: reports([0.4]) }));
  });

  it("draws the learning curves of the workers' reports, per step, like any other search's", async () => {
    const { status, html } = await get(`/searches/${EXTERNAL_ID}`);
    expect(status).toBe(200);
    const charts = html.slice(html.indexOf('id="learning-curves"'), html.indexOf('</section>', html.indexOf('id="learning-curves"')));
    expect(count(charts, /<figure class="chart curve-chart">/)).toBe(2);
    expect(charts).toContain('accuracy per step');
    expect(charts).toContain('loss per step');
    expect(count(charts, /<g class="curve[^"]*" data-trial="\d+">/)).toBe(6);
    expect(count(charts, /<g class="curve early-stopped" data-trial="2">/)).toBe(2);
    const trialPage = await get(`/searches/${EXTERNAL_ID}/trials/3`);
    expect(count(trialPage.html, /<g class="curve highlighted" data-trial="3">/)).toBe(2);
  });
});
