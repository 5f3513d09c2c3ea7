import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { getStrategy } from '../../src/strategies/registry.js';
import type { HistoryEntry } from '../../src/strategies/strategy.js';

/** Distinct finished NB201 cells, as the controller's history holds them. */
const finished = (() => {
  const rng = Rng.fromSeed(11);
  const entries = new Map<string, HistoryEntry<Nb201Cell>>();
  while (entries.size < 10_000) {
    const arch = nb201Space.sample(rng);
    const canonical = nb201Space.canonical(arch);
    entries.set(canonical, { arch, canonical, status: 'SUCCEEDED', score: rng.float(), scores: [rng.float()] });
  }
  return [...entries.values()];
})();

/** The history behind a proxy that counts how many of its entries a proposal reads. */
function counted(history: HistoryEntry<Nb201Cell>[]): { history: HistoryEntry<Nb201Cell>[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(history, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { history: proxy, reads: () => reads };
}

/** Entries of the history one proposal of `count` candidates reads, given the caller's set of canonical forms. */
async function entriesRead(name: string, size: number, count: number): Promise<number> {
  const strategy = getStrategy(name);
  const params = strategy.params.parse({});
  const entries = finished.slice(0, size);
  const proposed = new Set(entries.map((entry) => entry.canonical));
  const { history, reads } = counted(entries);
  const proposal = await strategy.propose({ space: nb201Space, params, state: strategy.init(params, 5), history, proposed, count });
  expect(proposal.candidates).toHaveLength(count);
  for (const candidate of proposal.candidates) expect(proposed.has(nb201Space.canonical(candidate))).toBe(false);
  return reads();
}

describe('the work of one proposal, given the set of proposed canonical forms', () => {
  it.each(['random', 'random-walk', 'evolution'])('%s reads no more of a 10,000-trial history than of a 100-trial one', async (name) => {
    const small = await entriesRead(name, 100, 4);
    const large = await entriesRead(name, 10_000, 4);
    expect(large).toBe(small);
    // Evolution reads its population, the most recent finished trials; the others read nothing.
    expect(large).toBeLessThanOrEqual(getStrategy(name).params.parse({}).populationSize ?? 0);
  });
});
