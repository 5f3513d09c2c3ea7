import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import type { SearchSpace } from '../../src/spaces/space.js';

/**
 * The `SearchSpace` contract (see src/spaces/space.ts) as a suite any space's tests can run:
 * `describeSpaceContract(mySpace)`. `test/spaces/registry.test.ts` runs it on every registered space.
 */
export function describeSpaceContract<A>(space: SearchSpace<A>): void {
  describe(`search space ${space.name} (contract)`, () => {
    const name = space.name;
    const samples = (seed: number, count: number) => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: count }, () => space.sample(rng));
    };
    const archs = samples(1, 25);

    it('samples repeatably for a seed, and varies', () => {
      expect(samples(1, 25).map(space.format)).toEqual(archs.map(space.format));
      expect(new Set(archs.map(space.canonical)).size).toBeGreaterThan(1);
    });

    it('round-trips the string and the JSON form', () => {
      for (const arch of archs) {
        expect(space.parse(space.format(arch))).toEqual(arch);
        expect(space.parse(JSON.parse(JSON.stringify(space.toJSON(arch))))).toEqual(arch);
      }
    });

    it.each([42, null, {}, 'not an architecture', [1, 2, 3]])('rejects %j with a typed error naming the rule', (value) => {
      let thrown: unknown;
      try {
        space.parse(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidArchitecture);
      expect((thrown as InvalidArchitecture).rule).toMatch(new RegExp(`^${name}\\.`));
    });

    it('lists every one-edit neighbour once, each valid and different, and legal actions reach exactly them', () => {
      for (const arch of archs.slice(0, 10)) {
        const self = space.canonical(arch);
        const neighbours = space.neighbours(arch).map((n) => space.canonical(space.parse(space.format(n))));
        expect(neighbours.length).toBeGreaterThan(0);
        expect(new Set(neighbours).size).toBe(neighbours.length);
        expect(neighbours).not.toContain(self);

        const legal = space.legalActions(arch);
        expect(legal).toHaveLength(space.actionCount);
        const reached = legal.flatMap((ok, action) => (ok ? [space.canonical(space.applyAction(arch, action))] : []));
        expect(new Set(reached)).toEqual(new Set(neighbours));
        const illegal = legal.findIndex((ok) => !ok);
        if (illegal >= 0) expect(() => space.applyAction(arch, illegal)).toThrow(InvalidArchitecture);
        expect(space.actionLabel(0)).toEqual(expect.any(String));
      }
    });

    it('mutates to a neighbour', () => {
      const rng = Rng.fromSeed(5);
      for (const arch of archs) {
        const neighbours = new Set(space.neighbours(arch).map(space.canonical));
        expect(neighbours.has(space.canonical(space.mutate(arch, rng)))).toBe(true);
      }
    });

    it('encodes to fixed-length numeric vectors', () => {
      for (const kind of ['adjacency', 'path'] as const) {
        for (const arch of archs) {
          const encoding = space.encode(arch, kind);
          expect(encoding).toHaveLength(space.encodingLength(kind));
          expect(encoding.every(Number.isFinite)).toBe(true);
        }
      }
    });

    it('draws a graph whose edges join its nodes, and counts a non-negative cost', () => {
      for (const arch of archs) {
        const graph = space.graph(arch);
        const ids = new Set(graph.nodes.map((n) => n.id));
        for (const edge of graph.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
        const cost = space.cost(arch);
        expect(Number.isInteger(cost.params) && cost.params >= 0).toBe(true);
        expect(cost.flops).toBeGreaterThanOrEqual(0);
      }
    });
  });
}
