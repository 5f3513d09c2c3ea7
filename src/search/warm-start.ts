import { InvalidRequest } from '../errors.js';
import type { Store } from '../store/store.js';
import type { SearchRecord, TrialRecord } from './records.js';
import type { SearchSpec } from './spec.js';

// What warm start does with its parents (the spec's `warmStart`, WarmStartSchema in spec.ts).

/** JSON with every object's keys sorted, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The evaluator fields that define what a metric means (all but the selection metric). */
export function taskEvaluator(evaluator: SearchSpec['evaluator']) {
  const { metric: _metric, ...rest } = evaluator;
  return rest;
}

export const taskFingerprint = (evaluator: SearchSpec['evaluator']): string => canonicalJson(taskEvaluator(evaluator));

/** Throws `InvalidRequest` naming the parent that is unknown, of another space, or of another task for `IdenticalTask`. */
export async function checkWarmStart(store: Store, tenantId: string, spec: SearchSpec): Promise<void> {
  const warmStart = spec.warmStart;
  if (!warmStart) return;
  for (const [i, id] of warmStart.parentSearches.entries()) {
    const field = `warmStart.parentSearches[${i}]`;
    const parent = await store.getSearch(tenantId, id);
    if (!parent) throw new InvalidRequest(field, `no search '${id}'`);
    if (parent.spec.space !== spec.space) throw new InvalidRequest(field, `search '${id}' searched space '${parent.spec.space}', not '${spec.space}'`);
    const sameTask = taskFingerprint(parent.spec.evaluator) === taskFingerprint(spec.evaluator) && parent.spec.evaluator.metric === spec.evaluator.metric;
    if (warmStart.type === 'IdenticalTask' && !sameTask) {
      throw new InvalidRequest(field, `search '${id}' measured another task (evaluator or selection metric); use type 'TransferLearning' to learn across tasks`);
    }
  }
}

/** The finished trials of a search's warm-start parents, parent by parent. */
export async function parentTrials(store: Store, search: SearchRecord): Promise<{ parent: SearchRecord; trials: TrialRecord[] }[]> {
  const parents = [];
  for (const id of search.spec.warmStart?.parentSearches ?? []) {
    const parent = await store.getSearch(search.tenantId, id);
    if (!parent) continue;
    const trials = (await store.allTrials(search.tenantId, id)).filter((t) => t.status === 'SUCCEEDED');
    parents.push({ parent, trials });
  }
  return parents;
}

/**
 * `TransferLearning` seeds still to measure: the parents' architectures, each parent's list ranked best
 * first, interleaved across parents; the first `seeds` distinct ones, minus those already `tried` here.
 */
export function transferSeeds<A>(space: { canonical(a: A): string }, rankedByParent: readonly (readonly A[])[], tried: ReadonlySet<string>, seeds: number): A[] {
  const best: A[] = [];
  const chosen = new Set<string>();
  for (let rank = 0; best.length < seeds && rankedByParent.some((list) => rank < list.length); rank++) {
    for (const list of rankedByParent) {
      const arch = list[rank];
      if (arch === undefined || best.length >= seeds || chosen.has(space.canonical(arch))) continue;
      chosen.add(space.canonical(arch));
      best.push(arch);
    }
  }
  return best.filter((arch) => !tried.has(space.canonical(arch)));
}
