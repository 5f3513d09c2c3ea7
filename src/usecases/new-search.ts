import { summarizeTrials } from '../search/summaries.js';
import { getStrategy } from '../strategies/registry.js';
import type { SearchRecord } from '../search/records.js';
import { INITIAL_SEARCH_STATUS } from '../search/states.js';
import type { SearchSpec } from '../search/spec.js';

/** The record of a search that has just been accepted: no trials yet, the strategy's initial state. */
export function newSearchRecord(tenantId: string, id: string, spec: SearchSpec, createdAt: string): SearchRecord {
  const strategy = getStrategy(spec.strategy.name);
  return {
    tenantId,
    id,
    spec,
    status: INITIAL_SEARCH_STATUS,
    createdAt,
    updatedAt: createdAt,
    version: 0,
    trialCount: 0,
    ...summarizeTrials([], spec.objectives[0]!),
    strategyState: strategy.init(spec.strategy.params, spec.seed),
  };
}
