/**
 * A worker for an `external` search that trains small TensorFlow.js MLPs on its own synthetic data (three
 * interleaved spirals) and reports validation metrics after every epoch. See README.md beside it.
 *
 *   npx tsx examples/tfjs-worker/worker.ts --search <search-id> [--url URL] [--api-key KEY] [--epochs 20] [--lease-seconds 60]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createClient, runWorker, type Metrics, type TrainFunction } from 'serverless-nas/client';

const { values } = parseArgs({
  options: {
    search: { type: 'string' },
    url: { type: 'string', default: process.env.NAS_URL ?? 'http://127.0.0.1:8080' },
    'api-key': { type: 'string', default: process.env.NAS_API_KEY },
    epochs: { type: 'string', default: '20' },
    'lease-seconds': { type: 'string', default: '60' },
  },
});
if (!values.search) {
  console.error('usage: npx tsx examples/tfjs-worker/worker.ts --search <search-id> [--url URL] [--api-key KEY] [--epochs N]');
  process.exit(2);
}
const EPOCHS = Number(values.epochs);
const CLASSES = 3;

/** A small seeded generator (mulberry32), so every trial trains and validates on the same points. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` noisy points on three interleaved spirals in the plane, labelled by spiral. */
function spirals(count: number, seed: number): { x: number[][]; y: number[] } {
  const random = seeded(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES;
    const radius = random();
    const angle = radius * 4 + (label * 2 * Math.PI) / CLASSES + (random() - 0.5) * 0.4;
    x.push([radius * Math.sin(angle), radius * Math.cos(angle)]);
    y.push(label);
  }
  return { x, y };
}

// The pure-JavaScript backend runs anywhere; install @tensorflow/tfjs-node (or -gpu) and import it for speed.
tf.enableProdMode();
await tf.setBackend('cpu');

const toTensors = ({ x, y }: { x: number[][]; y: number[] }) => ({ xs: tf.tensor2d(x), ys: tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES) });
const train = toTensors(spirals(900, 1));
const validation = toTensors(spirals(300, 2));

/** The architecture's decisions, from the `choices` space's string form: `layers=2,units=16,activation=relu,learningRate=0.01`. */
function decisions(arch: string): Record<string, string> {
  return Object.fromEntries(arch.split(',').map((pair) => pair.split('=') as [string, string]));
}

function buildModel(arch: string): tf.Sequential {
  const { layers, units, activation, learningRate } = decisions(arch);
  const model = tf.sequential();
  for (let i = 0; i < Number(layers); i++) {
    model.add(tf.layers.dense({ units: Number(units), activation: activation as 'relu', ...(i === 0 ? { inputShape: [2] } : {}) }));
  }
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(Number(learningRate)), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** The metrics the search's evaluator declares (`val_accuracy`, `val_loss`), from Keras-style epoch logs. */
const metricsOf = (logs: tf.Logs | undefined): Metrics => ({ val_accuracy: logs?.val_acc ?? 0, val_loss: logs?.val_loss ?? 0 });

const trainOne: TrainFunction = async ({ arch, trialNumber, attempt, report, signal }) => {
  const model = buildModel(arch);
  // Early stopping's 'stop', a lost lease or Ctrl-C: end after the running epoch, with what it has.
  signal.addEventListener('abort', () => (model.stopTraining = true), { once: true });
  let last: Metrics = {};
  try {
    await model.fit(train.xs, train.ys, {
      epochs: EPOCHS,
      batchSize: 32,
      shuffle: true,
      validationData: [validation.xs, validation.ys],
      verbose: 0,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          last = metricsOf(logs);
          await report(epoch + 1, last);
        },
      },
    });
  } finally {
    model.dispose();
  }
  const why = signal.aborted ? ` (ended early: ${(signal.reason as Error).message})` : '';
  console.log(`trial ${trialNumber} (attempt ${attempt}) ${arch}: val_accuracy ${last.val_accuracy?.toFixed(3)}${why}`);
  return last;
};

const shutdown = new AbortController();
for (const signalName of ['SIGINT', 'SIGTERM'] as const) process.once(signalName, () => shutdown.abort(new Error(`${signalName}: shutting down`)));

const summary = await runWorker({
  client: createClient({ baseUrl: values.url!, apiKey: values['api-key'] }),
  searchId: values.search,
  train: trainOne,
  leaseSeconds: Number(values['lease-seconds']),
  signal: shutdown.signal,
});
console.log(`done: ${summary.completed} completed, ${summary.stopped} stopped early, ${summary.failed} failed, ${summary.lost} lost`);
