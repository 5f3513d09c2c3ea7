import { Conflict, InvalidArchitecture } from '../errors.js';
import type { Prediction } from '../predictors/predictor.js';
import type { PredictorService, PredictorVersion } from '../predictors/predictor-service.js';
import type { SearchRecord } from '../search/records.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { resolveSpace } from '../spaces/registry.js';

export interface PredictDeps {
  readonly predictors: PredictorService;
}

export interface PredictRequest {
  readonly space: string;
  readonly spaceConfig?: unknown;
  /** The evaluator as in a search spec: predictions learn from trials of searches with this evaluator. */
  readonly evaluator: EvaluatorSpec;
  readonly metric: string;
  readonly architectures: readonly string[];
}

/** One architecture's answer: its prediction, or why it is no member of the space. */
export type PredictionItem =
  | ({ readonly index: number; readonly arch: string } & Prediction)
  | { readonly index: number; readonly arch: string; readonly error: { readonly field: string; readonly message: string } };

export interface Predictions {
  /** The predictor that answered. */
  readonly predictor: PredictorVersion;
  /** One per architecture, in request order. */
  readonly items: PredictionItem[];
}

/**
 * Predicts `metric` for each architecture from the tenant's finished trials. An architecture that is no
 * member of the space gets an error of its own (field `architectures[i]`) and the others are still
 * answered; throws `Conflict` while the tenant has too few finished trials to learn from.
 */
export async function predict(deps: PredictDeps, tenantId: string, request: PredictRequest): Promise<Predictions> {
  const space = resolveSpace(request.space, request.spaceConfig);
  const parsed = request.architectures.map((arch, index) => {
    try {
      return { index, arch, value: space.parse(arch) };
    } catch (error) {
      if (!(error instanceof InvalidArchitecture)) throw error;
      return { index, arch, error: { field: `architectures[${index}]`, message: error.message } };
    }
  });
  const { predictor, version } = await deps.predictors.predictorFor(tenantId, {
    spaceName: request.space,
    space,
    evaluator: request.evaluator,
    metric: request.metric,
  });
  const valid = parsed.filter((item): item is typeof item & { value: unknown } => !('error' in item));
  const predictions = predictor.predict(valid.map((item) => item.value));
  const byIndex = new Map(valid.map((item, i) => [item.index, predictions[i]!]));
  const items = parsed.map((item): PredictionItem =>
    'error' in item && item.error ? { index: item.index, arch: item.arch, error: item.error } : { index: item.index, arch: item.arch, ...byIndex.get(item.index)! },
  );
  return { predictor: version, items };
}

/**
 * Brings the tenant's predictors of a finished search's objectives up to date with its trials, so that the
 * first prediction asked after it needs no training (issue #18: ≤ 2 s). For where a search ends, in the
 * background: a request arriving meanwhile waits for this training rather than starting its own. A search
 * with too few finished trials to learn from warms nothing.
 */
export async function warmPredictions(deps: PredictDeps, search: SearchRecord): Promise<void> {
  const { spec } = search;
  const space = resolveSpace(spec.space, spec.spaceConfig);
  for (const { metric } of spec.objectives) {
    await deps.predictors.predictorFor(search.tenantId, { spaceName: spec.space, space, evaluator: spec.evaluator, metric }).catch((error: unknown) => {
      if (!(error instanceof Conflict)) throw error;
    });
  }
}
