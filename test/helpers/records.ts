import type { SearchRecord, TrialRecord } from '../../src/search/records.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import type { SearchSpec } from '../../src/search/spec.js';

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
  return newSearchRecord(tenantId, id, spec, new Date(0).toISOString());
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
