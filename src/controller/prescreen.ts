import { Conflict } from '../errors.js';
import type { PredictorService } from '../predictors/predictor-service.js';
import type { SearchRecord } from '../search/records.js';
import { selectionDirection } from '../search/metrics.js';
import type { SearchSpace } from '../spaces/space.js';
import type { Proposal } from '../strategies/strategy.js';

/**
 * Keeps the `count` candidates the performance predictor rates best (by predicted mean of the search's
 * selection metric), with their lineage. While the tenant has too few finished trials of the task for a
 * predictor, the strategy's own first `count` are kept: pre-screening starts once it has something to go on.
 */
export async function prescreen(
  predictors: PredictorService,
  search: SearchRecord,
  space: SearchSpace<unknown>,
  proposal: Proposal<unknown, unknown>,
  count: number,
): Promise<Proposal<unknown, unknown>> {
  const { spec } = search;
  let keep = proposal.candidates.map((_, i) => i).slice(0, count);
  try {
    const metric = spec.evaluator.metric ?? spec.objectives[0]!.metric;
    const { predictor } = await predictors.predictorFor(search.tenantId, { spaceName: spec.space, space, evaluator: spec.evaluator, metric });
    const sign = selectionDirection(spec) === 'maximize' ? 1 : -1;
    const means = predictor.predict(proposal.candidates).map((p) => sign * p.mean);
    keep = proposal.candidates.map((_, i) => i).sort((a, b) => means[b]! - means[a]!).slice(0, count);
  } catch (error) {
    if (!(error instanceof Conflict)) throw error;
  }
  return {
    state: proposal.state,
    candidates: keep.map((i) => proposal.candidates[i]),
    ...(proposal.parents ? { parents: keep.map((i) => proposal.parents![i]) } : {}),
  };
}
