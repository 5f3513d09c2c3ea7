import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { Conflict } from '../errors.js';
import type { SearchRecord } from '../search/records.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { taskEvaluator, taskFingerprint } from '../search/warm-start.js';
import type { SearchSpace } from '../spaces/space.js';
import type { Store } from '../store/store.js';
import { Predictor, type EnsembleFitter } from './predictor.js';
import { artifactKey, readRecord, writeRecord, type PredictorLocation, type PredictorRecord } from './predictor-registry.js';

/** What a predictor predicts: one metric of one space under one evaluator (benchmark, or dataset + recipe). */
export interface PredictionTask {
  readonly spaceName: string;
  readonly space: SearchSpace<unknown>;
  /** The evaluator as a search spec names it; its `metric` is ignored (the task's `metric` counts). */
  readonly evaluator: EvaluatorSpec;
  readonly metric: string;
}

/** Which predictor answered: the artifact's content hash, how much it learnt from, and how well it ranks. */
export type PredictorVersion = Pick<PredictorRecord, 'version' | 'trainingSize' | 'heldOut' | 'updatedAt'>;

export interface PredictorServiceOptions {
  readonly store: Store;
  readonly artifacts: ArtifactStore;
  readonly clock: () => Date;
  /**
   * How long a loaded predictor answers before the trial records are read again for new results.
   * @default 30
   */
  readonly refreshSeconds?: number;
  /**
   * Where predictors are fitted. Without one, in this thread, synchronously: the event loop waits for the
   * training (the Lambdas, one request per container at a time). The local service hands in its training
   * process's (`EnsembleFitProcess`), so that the API and the controller go on while a predictor trains.
   */
  readonly fitter?: EnsembleFitter;
}

/** Fewer finished trials than this train no predictor worth asking. */
export const MIN_TRAINING_TRIALS = 10;
/** Predictors are seeded alike, so a tenant's predictor for a task is the same wherever it is retrained. */
const PREDICTOR_SEED = 0;
/**
 * Trials read per page into training data: the event loop turns between pages, and reading and decoding
 * thousands of trials at once would hold the API for a tenth of a second.
 */
const TRIALS_PER_PAGE = 500;

/** One distinct architecture to learn from: as stored, as the space parses it, and its (mean) metric. */
interface TrainingRow {
  readonly arch: string;
  readonly parsed: unknown;
  readonly value: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Loaded {
  readonly predictor: Predictor<unknown>;
  readonly version: PredictorVersion;
  checkedAt: number;
}

/**
 * Performance predictors over a tenant's own finished trials, one per space, evaluator and metric: trained
 * on first use, updated incrementally (`Predictor.update`) when trials have finished since, and stored in
 * the ArtifactStore with a registry record (`predictor-registry.ts`) so every API instance answers with
 * the same version. A tenant's predictors learn only from that tenant's trials.
 */
export class PredictorService {
  private readonly loaded = new Map<string, Loaded>();
  /** Refreshes under way: a request arriving during one (a warm-up's training) waits for it rather than training again. */
  private readonly refreshing = new Map<string, Promise<Loaded>>();

  constructor(private readonly options: PredictorServiceOptions) {}

  /** The current predictor for the task; throws `Conflict` while the tenant has too few finished trials for it. */
  async predictorFor(tenantId: string, task: PredictionTask): Promise<{ predictor: Predictor<unknown>; version: PredictorVersion }> {
    const location = this.locate(tenantId, task);
    const key = artifactKey(location);
    const now = this.options.clock().getTime();
    const cached = this.loaded.get(key);
    if (cached && now - cached.checkedAt < (this.options.refreshSeconds ?? 30) * 1000) return cached;
    let refresh = this.refreshing.get(key);
    if (!refresh) {
      refresh = this.refresh(location, tenantId, task, now).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, refresh);
    }
    return refresh;
  }

  /** Loads the stored predictor if this process has none, and trains it on the trials that finished since. */
  private async refresh(location: PredictorLocation, tenantId: string, task: PredictionTask, now: number): Promise<Loaded> {
    const key = artifactKey(location);
    const current = this.loaded.get(key) ?? (await this.load(location, task));
    const data = await this.trainingData(tenantId, task);
    const known = new Set(current?.predictor.toJSON().training.archs ?? []);
    const fresh = data.filter((row) => !known.has(row.arch));
    if (current && fresh.length === 0) {
      current.checkedAt = now;
      this.loaded.set(key, current);
      return current;
    }
    const predictor = current ? current.predictor : await this.train(task, data);
    if (current) await this.update(predictor, fresh.map((row) => row.parsed), fresh.map((row) => row.value));
    const artifact = predictor.toJSON();
    await this.options.artifacts.put(key, JSON.stringify(artifact));
    const version = this.versionOf(predictor, this.options.clock().toISOString(), artifact.hash);
    await writeRecord(this.options.artifacts, location, {
      space: task.spaceName,
      task: { evaluator: taskEvaluator(task.evaluator), metric: task.metric },
      encoding: predictor.metadata.encoding,
      ...version,
    });
    const entry = { predictor, version, checkedAt: now };
    this.loaded.set(key, entry);
    return entry;
  }

  private locate(tenantId: string, task: PredictionTask): PredictorLocation {
    const fingerprint = createHash('sha256').update(`${taskFingerprint(task.evaluator)}\n${task.metric}`).digest('hex').slice(0, 24);
    return { tenantId, taskPath: `${task.spaceName}/${fingerprint}` };
  }

  private versionOf(predictor: Predictor<unknown>, updatedAt: string, hash = predictor.toJSON().hash): PredictorVersion {
    const { trainingSize, heldOut } = predictor.metadata;
    return { version: hash.slice(0, 16), trainingSize, heldOut, updatedAt };
  }

  private async load(location: PredictorLocation, task: PredictionTask): Promise<Loaded | undefined> {
    const bytes = await this.options.artifacts.get(artifactKey(location));
    if (!bytes) return undefined;
    const predictor = Predictor.fromJSON(JSON.parse(new TextDecoder().decode(bytes)), task.space);
    // A predictor stored before registry records existed reads as updated now.
    const updatedAt = (await readRecord(this.options.artifacts, location))?.updatedAt ?? this.options.clock().toISOString();
    return { predictor, version: this.versionOf(predictor, updatedAt), checkedAt: 0 };
  }

  private async train(task: PredictionTask, data: readonly TrainingRow[]): Promise<Predictor<unknown>> {
    if (data.length < MIN_TRAINING_TRIALS) {
      throw new Conflict(
        `no predictor for ${task.metric} on ${task.spaceName} yet: it learns from your finished trials of that space and evaluator, and needs ${MIN_TRAINING_TRIALS} (you have ${data.length})`,
      );
    }
    const input = { space: task.space, archs: data.map((row) => row.parsed), targets: data.map((row) => row.value), seed: PREDICTOR_SEED };
    const { fitter } = this.options;
    if (!fitter) return Predictor.train(input);
    await nextTurn();
    return Predictor.trainWith(input, fitter);
  }

  private async update(predictor: Predictor<unknown>, archs: unknown[], targets: number[]): Promise<void> {
    const { fitter } = this.options;
    if (fitter) await predictor.updateWith(archs, targets, fitter);
    else predictor.update(archs, targets);
  }

  /** The metric of every distinct architecture the tenant's matching searches measured (duplicates averaged). */
  private async trainingData(tenantId: string, task: PredictionTask): Promise<TrainingRow[]> {
    const fingerprint = taskFingerprint(task.evaluator);
    const matching: SearchRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.store.listSearches(tenantId, { limit: 100, ...(nextToken ? { nextToken } : {}) });
      matching.push(...page.items.filter((s) => s.spec.space === task.spaceName && taskFingerprint(s.spec.evaluator) === fingerprint));
      nextToken = page.nextToken;
    } while (nextToken);
    const values = new Map<string, { arch: string; parsed: unknown; sum: number; count: number }>();
    for (const search of matching) {
      let trialsToken: string | undefined;
      do {
        const page = await this.options.store.listTrials(search.tenantId, search.id, { limit: TRIALS_PER_PAGE, ...(trialsToken ? { nextToken: trialsToken } : {}) });
        for (const trial of page.items) {
          const value = trial.metrics?.[task.metric];
          if (trial.status !== 'SUCCEEDED' || value === undefined || !Number.isFinite(value)) continue;
          const parsed = task.space.parse(trial.arch);
          const canonical = task.space.canonical(parsed);
          const entry = values.get(canonical) ?? { arch: trial.arch, parsed, sum: 0, count: 0 };
          values.set(canonical, { ...entry, sum: entry.sum + value, count: entry.count + 1 });
        }
        trialsToken = page.nextToken;
      } while (trialsToken);
    }
    return [...values.values()].map(({ arch, parsed, sum, count }) => ({ arch, parsed, value: sum / count }));
  }
}
