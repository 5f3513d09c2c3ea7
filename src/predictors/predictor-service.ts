import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { Conflict } from '../errors.js';
import type { SearchRecord } from '../search/records.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { taskEvaluator, taskFingerprint } from '../search/warm-start.js';
import type { SearchSpace } from '../spaces/space.js';
import type { Store } from '../store/store.js';
import { Predictor } from './predictor.js';
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
}

/** Fewer finished trials than this train no predictor worth asking. */
export const MIN_TRAINING_TRIALS = 10;
/** Predictors are seeded alike, so a tenant's predictor for a task is the same wherever it is retrained. */
const PREDICTOR_SEED = 0;

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
    const predictor = current ? current.predictor : this.train(task, data);
    if (current) predictor.update(fresh.map((row) => task.space.parse(row.arch)), fresh.map((row) => row.value));
    await this.options.artifacts.put(key, JSON.stringify(predictor));
    const version = this.versionOf(predictor, this.options.clock().toISOString());
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

  private versionOf(predictor: Predictor<unknown>, updatedAt: string): PredictorVersion {
    const { hash } = predictor.toJSON();
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

  private train(task: PredictionTask, data: readonly { arch: string; value: number }[]): Predictor<unknown> {
    if (data.length < MIN_TRAINING_TRIALS) {
      throw new Conflict(
        `no predictor for ${task.metric} on ${task.spaceName} yet: it learns from your finished trials of that space and evaluator, and needs ${MIN_TRAINING_TRIALS} (you have ${data.length})`,
      );
    }
    return Predictor.train({
      space: task.space,
      archs: data.map((row) => task.space.parse(row.arch)),
      targets: data.map((row) => row.value),
      seed: PREDICTOR_SEED,
    });
  }

  /** The metric of every distinct architecture the tenant's matching searches measured (duplicates averaged). */
  private async trainingData(tenantId: string, task: PredictionTask): Promise<{ arch: string; value: number }[]> {
    const fingerprint = taskFingerprint(task.evaluator);
    const matching: SearchRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.store.listSearches(tenantId, { limit: 100, ...(nextToken ? { nextToken } : {}) });
      matching.push(...page.items.filter((s) => s.spec.space === task.spaceName && taskFingerprint(s.spec.evaluator) === fingerprint));
      nextToken = page.nextToken;
    } while (nextToken);
    const values = new Map<string, { arch: string; sum: number; count: number }>();
    for (const search of matching) {
      for (const trial of await this.options.store.allTrials(search.tenantId, search.id)) {
        const value = trial.metrics?.[task.metric];
        if (trial.status !== 'SUCCEEDED' || value === undefined || !Number.isFinite(value)) continue;
        const canonical = task.space.canonical(task.space.parse(trial.arch));
        const entry = values.get(canonical) ?? { arch: trial.arch, sum: 0, count: 0 };
        values.set(canonical, { ...entry, sum: entry.sum + value, count: entry.count + 1 });
      }
    }
    return [...values.values()].map(({ arch, sum, count }) => ({ arch, value: sum / count }));
  }
}
