import { describe, expect, it } from 'vitest';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { randomSearch } from '../../src/strategies/random-search.js';
import type { HistoryEntry } from '../../src/strategies/strategy.js';
import type { SearchSpace } from '../../src/spaces/space.js';

const params = randomSearch.params.parse({});

async function proposeAll(seed: number, count: number, history: HistoryEntry<Nb201Cell>[] = []) {
  return await randomSearch.propose({ space: nb201Space, params, state: randomSearch.init(params, seed), history, count });
}

describe('random search', () => {
  it('is repeatable for a seed and differs across seeds', async () => {
    const a = (await proposeAll(7, 20)).candidates.map(nb201Space.format);
    expect((await proposeAll(7, 20)).candidates.map(nb201Space.format)).toEqual(a);
    expect((await proposeAll(8, 20)).candidates.map(nb201Space.format)).not.toEqual(a);
  });

  it('continues from saved state exactly as an uninterrupted run would', async () => {
    const whole = (await proposeAll(3, 10)).candidates.map(nb201Space.format);
    const first = await proposeAll(3, 4);
    const history = first.candidates.map((arch) => ({ arch, canonical: nb201Space.canonical(arch), status: 'SUCCEEDED' as const }));
    const rest = await randomSearch.propose({ space: nb201Space, params, state: JSON.parse(JSON.stringify(first.state)), history, count: 6 });
    expect([...first.candidates, ...rest.candidates].map(nb201Space.format)).toEqual(whole);
  });

  it('never proposes an architecture already in the history or twice', async () => {
    const history = (await proposeAll(1, 500)).candidates.map((arch) => ({ arch, canonical: nb201Space.canonical(arch), status: 'SUCCEEDED' as const }));
    const seen = new Set(history.map((h) => h.canonical));
    const next = (await proposeAll(1, 500, history)).candidates.map(nb201Space.canonical);
    expect(new Set(next).size).toBe(500);
    for (const canonical of next) expect(seen.has(canonical)).toBe(false);
  });

  it('returns fewer candidates than asked once the space is exhausted', async () => {
    const coin: SearchSpace<string> = {
      ...(nb201Space as unknown as SearchSpace<string>),
      sample: (rng) => rng.pick(['heads', 'tails']),
      canonical: (a) => a,
      format: (a) => a,
    };
    const result = await randomSearch.propose({ space: coin, params, state: randomSearch.init(params, 1), history: [], count: 5 });
    expect([...result.candidates].sort()).toEqual(['heads', 'tails']);
  });
});
