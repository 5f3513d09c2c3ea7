import type { SearchSpec } from './spec.js';

/** Metrics every search can use, computed from the architecture itself rather than measured. */
export const ARCHITECTURE_METRICS: readonly string[] = ['params', 'flops'];

/** Every metric a trial of this search must report. */
export function searchMetrics(spec: SearchSpec): string[] {
  return [...new Set([...(spec.evaluator.metric ? [spec.evaluator.metric] : []), ...spec.objectives.map((o) => o.metric)])];
}

/**
 * Whether the search's selection metric (`evaluator.metric`) is maximised: as its objective says when it
 * is one, else by its name (accuracies up, losses and perplexities down).
 */
export function selectionDirection(spec: SearchSpec): 'maximize' | 'minimize' {
  const metric = spec.evaluator.metric ?? spec.objectives[0]!.metric;
  const objective = spec.objectives.find((o) => o.metric === metric);
  return objective?.direction ?? (/accuracy/.test(metric) ? 'maximize' : 'minimize');
}
