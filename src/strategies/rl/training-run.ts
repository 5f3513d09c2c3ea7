/**
 * A named training run over an artifact store: `training/<space>/<name>/` holds the run's settings
 * (`run.json`), its latest checkpoint and its learning curve (`curve.jsonl`, one `CurveEntry` a line);
 * the finished policy is published to a `PolicyRegistry`. Starting a run whose checkpoint exists resumes
 * it (after a kill) with the saved settings; `fresh` starts over.
 */
import { z } from 'zod';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { InvalidRequest } from '../../errors.js';
import { loadTrainingBenchmark, type AnyTrainingBenchmark, type TrainingTables } from './benchmark-oracle.js';
import { policyWeights } from './policy-codec.js';
import { PolicyRegistry, type PolicyManifest } from './policy-registry.js';
import { CheckpointSchema, trainAgent, type CurveEntry, type TrainingCheckpoint, type TrainingHooks } from './trainer.js';
import { TrainingOptionsSchema, type TrainingOptionsInput } from './training-options.js';

const RunSchema = z.strictObject({
  space: z.string(),
  benchmark: z.string(),
  metric: z.string(),
  options: TrainingOptionsSchema,
  fineTunedFrom: z.string().optional(),
  /** Learner steps of the policy fine-tuned from (0 for a fresh network). */
  baseSteps: z.number().int().nonnegative(),
});
type RunSettings = z.output<typeof RunSchema>;

export interface TrainingRunInput {
  readonly store: ArtifactStore;
  readonly benchmarksDir: string;
  /** Where the space's scores come from. @default `loadTrainingBenchmark` over `benchmarksDir` */
  readonly loadBenchmark?: (space: string, benchmark: string, metric: string) => Promise<AnyTrainingBenchmark>;
  /** Imported tables an agent may train on (the benchmark catalog); without it, nb201 and nb301 only. */
  readonly tables?: TrainingTables;
  readonly name: string;
  readonly space: string;
  readonly benchmark: string;
  readonly metric: string;
  readonly options: TrainingOptionsInput;
  /** Name of a policy of the same space to fine-tune (searched in `store`, then in `shippedPolicies`). */
  readonly fineTuneFrom?: string;
  /** The policies shipped with the product, a second place to find `fineTuneFrom`. */
  readonly shippedPolicies?: PolicyRegistry;
  /** Discard an earlier checkpoint of this run instead of resuming it. */
  readonly fresh?: boolean;
  /** A registry the finished policy is published to besides `store`'s own (e.g. the repository's `policies/`). */
  readonly alsoPublishTo?: PolicyRegistry;
  readonly hooks?: Pick<TrainingHooks, 'onStep' | 'onLog'> & {
    /** Once the run's settings are known, before the first step; `resumedFrom` when a checkpoint is resumed. */
    onStart?(run: { resumedFrom?: number; steps: number }): void;
  };
  readonly clock?: () => Date;
}

export interface TrainingRunResult {
  readonly manifest: PolicyManifest;
  /** The learner step a killed run was resumed from, if it was. */
  readonly resumedFrom?: number;
  readonly curve: CurveEntry[];
}

const decoder = new TextDecoder();
const readJson = async (store: ArtifactStore, key: string): Promise<unknown> => {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : JSON.parse(decoder.decode(bytes));
};

export function trainingKey(space: string, name: string, file: string): string {
  return `training/${space}/${name}/${file}`;
}

export async function runTraining(input: TrainingRunInput): Promise<TrainingRunResult> {
  const { store, name, space } = input;
  const key = (file: string) => trainingKey(space, name, file);
  if (input.fresh) await store.deletePrefix(key(''));
  const savedRun = await readJson(store, key('run.json'));
  const savedCheckpoint = await readJson(store, key('checkpoint.json'));
  const resuming = savedRun !== undefined && savedCheckpoint !== undefined;
  const ownRegistry = new PolicyRegistry(store);

  let settings: RunSettings;
  let initialParameters: Float32Array[] | undefined;
  if (resuming) {
    settings = RunSchema.parse(savedRun);
  } else {
    const base = input.fineTuneFrom === undefined ? undefined : (await ownRegistry.get(space, input.fineTuneFrom)) ?? (await input.shippedPolicies?.get(space, input.fineTuneFrom));
    if (input.fineTuneFrom !== undefined && !base) throw new InvalidRequest('from', `no policy '${input.fineTuneFrom}' for space '${space}' to fine-tune`);
    // A fine-tuned policy keeps its base's network: the parameters must fit it.
    const options = TrainingOptionsSchema.parse({ ...input.options, ...(base ? { network: base.weights.network } : {}) });
    settings = { space, benchmark: input.benchmark, metric: input.metric, options, baseSteps: base?.manifest.steps ?? 0, ...(base ? { fineTunedFrom: `${space}/${base.manifest.name}` } : {}) };
    initialParameters = base?.network.parameterValues();
    await store.put(key('run.json'), JSON.stringify(settings, null, 2));
  }
  const checkpoint: TrainingCheckpoint | undefined = resuming ? CheckpointSchema.parse(savedCheckpoint) : undefined;
  input.hooks?.onStart?.({ steps: settings.options.steps, ...(checkpoint ? { resumedFrom: checkpoint.learnerSteps } : {}) });
  const load = input.loadBenchmark ?? ((space, benchmark, metric) => loadTrainingBenchmark(space, benchmark, metric, input.benchmarksDir, input.tables));
  const benchmark = await load(settings.space, settings.benchmark, settings.metric);
  const writeCurve = (curve: readonly CurveEntry[]) => store.put(key('curve.jsonl'), curve.map((entry) => `${JSON.stringify(entry)}\n`).join(''));

  const result = await trainAgent({
    space: benchmark.space,
    oracle: benchmark.oracle,
    options: settings.options,
    ...(checkpoint ? { checkpoint } : {}),
    ...(initialParameters ? { initialParameters } : {}),
    hooks: {
      ...(input.hooks?.onStep ? { onStep: input.hooks.onStep } : {}),
      onLog: (entry) => input.hooks?.onLog?.(entry),
      onCheckpoint: async (saved) => {
        await store.put(key('checkpoint.json'), JSON.stringify(saved));
        await writeCurve(saved.curve);
      },
    },
  });

  const manifest: PolicyManifest = {
    name,
    space,
    benchmark: settings.benchmark,
    metric: settings.metric,
    steps: settings.baseSteps + result.learnerSteps,
    envSteps: result.envSteps,
    hyperparameters: { ...settings.options },
    ...(settings.fineTunedFrom ? { fineTunedFrom: settings.fineTunedFrom } : {}),
    score: result.greedyEpisodeBest === null ? null : { measure: `greedy actor's mean best ${settings.metric} per training episode (last 20)`, value: result.greedyEpisodeBest },
    seed: settings.options.seed,
    trainingSeconds: result.elapsedSeconds,
    created: (input.clock ?? (() => new Date()))().toISOString(),
  };
  const weights = policyWeights(space, result.network);
  await ownRegistry.put(manifest, weights);
  await input.alsoPublishTo?.put(manifest, weights);
  result.network.dispose();
  return { manifest, curve: result.curve, ...(checkpoint ? { resumedFrom: checkpoint.learnerSteps } : {}) };
}
