import { summarizeTrials } from '../../src/controller/summarize.js';
import type { SearchRecord, TrialRecord } from '../../src/search/records.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { randomSearch } from '../../src/strategies/random-search.js';

export const TEST_TENANT = 'tenant-a';

export function testSpec(budget: Partial<SearchSpec['budget']> = {}): SearchSpec {
  return {
    space: 'nb201',
    objectives: [{ metric: 'cifar10_test_200', direction: 'maximize' }],
    strategy: { name: 'random', params: { maxDrawsPerCandidate: 100 } },
    evaluator: { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_test_200' },
    budget: { maxTrialCount: 10, parallelTrialCount: 2, ...budget },
    seed: 7,
  };
}

/** A freshly created search record, as `POST /v1/searches` writes it. */
export function newSearch(id: string, spec: SearchSpec = testSpec(), tenantId = TEST_TENANT): SearchRecord {
  const now = new Date(0).toISOString();
  return {
    tenantId,
    id,
    spec,
    status: 'CREATED',
    createdAt: now,
    updatedAt: now,
    version: 0,
    trialCount: 0,
    ...summarizeTrials([], spec.objectives[0]!),
    strategyState: randomSearch.init({ maxDrawsPerCandidate: 100 }, spec.seed),
  };
}

export function newTrial(searchId: string, number: number, overrides: Partial<TrialRecord> = {}): TrialRecord {
  const now = new Date(0).toISOString();
  return {
    tenantId: TEST_TENANT,
    searchId,
    number,
    status: 'PENDING',
    arch: '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',
    archHash: `hash-${number}`,
    attempt: 1,
    startOffsetSeconds: 0,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
