import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layoutLineage, LINEAGE_NODE_HEIGHT, LINEAGE_NODE_WIDTH, selectLineage } from '../../../src/api/dashboard/lineage-layout.js';
import type { TrialRecord } from '../../../src/search/records.js';
import type { Objective } from '../../../src/search/spec.js';
import { newTrial } from '../../helpers/records.js';

const OBJECTIVE: Objective = { metric: 'acc', direction: 'maximize' };

/** Trial `i + 1` derived from `parents[i]` (undefined: a root), scored `scores[i]`. */
function lineage(parents: (number | undefined)[], scores: number[] = parents.map((_, i) => i)): TrialRecord[] {
  return parents.map((parent, i) =>
    newTrial('s', i + 1, {
      status: 'SUCCEEDED',
      metrics: { acc: scores[i]! },
      ...(parent === undefined ? {} : { parent: { trialNumber: parent, change: `edit ${i + 1}` } }),
    }),
  );
}

/** Random forests: each trial derived from an earlier one, or a root. */
const forests = fc
  .array(fc.option(fc.nat(), { nil: undefined }), { minLength: 1, maxLength: 40 })
  .map((picks) => lineage(picks.map((pick, i) => (pick === undefined || i === 0 ? undefined : (pick % i) + 1))));

describe('layoutLineage', () => {
  it('puts each trial one generation right of its parent, boxes apart and inside the drawing', () => {
    fc.assert(
      fc.property(forests, (trials) => {
        const layout = layoutLineage(trials);
        expect(layout.nodes).toHaveLength(trials.length);
        const at = new Map(layout.nodes.map((n) => [n.trial.number, n]));
        for (const node of layout.nodes) {
          expect(node.x - LINEAGE_NODE_WIDTH / 2).toBeGreaterThanOrEqual(0);
          expect(node.x + LINEAGE_NODE_WIDTH / 2).toBeLessThanOrEqual(layout.width);
          expect(node.y - LINEAGE_NODE_HEIGHT / 2).toBeGreaterThanOrEqual(0);
          expect(node.y + LINEAGE_NODE_HEIGHT / 2).toBeLessThanOrEqual(layout.height);
          for (const other of layout.nodes) {
            if (other === node) continue;
            expect(Math.abs(node.x - other.x) >= LINEAGE_NODE_WIDTH || Math.abs(node.y - other.y) >= LINEAGE_NODE_HEIGHT).toBe(true);
          }
        }
        const derived = trials.filter((t) => t.parent);
        expect(layout.edges.map((e) => [e.from, e.to, e.change])).toEqual(derived.map((t) => [t.parent!.trialNumber, t.number, t.parent!.change]));
        // Every derivation spans one generation: the same step right, room for its label.
        const steps = new Set(layout.edges.map((e) => at.get(e.to)!.x - at.get(e.from)!.x));
        expect(steps.size).toBeLessThanOrEqual(1);
        for (const step of steps) expect(step).toBeGreaterThan(2 * LINEAGE_NODE_WIDTH);
        for (const edge of layout.edges) {
          const [parent, child] = [at.get(edge.from)!, at.get(edge.to)!];
          expect(edge.path.startsWith(`M${parent.x + LINEAGE_NODE_WIDTH / 2} ${parent.y}C`)).toBe(true);
          expect(edge.path.endsWith(`${child.x - LINEAGE_NODE_WIDTH / 2} ${child.y}`)).toBe(true);
        }
      }),
    );
  });

  it('centres a parent on its children and gives each leaf a row of its own', () => {
    // 1 -> {2, 3}, 3 -> {4, 5}
    const layout = layoutLineage(lineage([undefined, 1, 1, 3, 3]));
    const y = new Map(layout.nodes.map((n) => [n.trial.number, n.y]));
    const leaves = [2, 4, 5].map((n) => y.get(n)!);
    expect(new Set(leaves).size).toBe(3);
    expect(y.get(3)).toBe((y.get(4)! + y.get(5)!) / 2);
    expect(y.get(1)).toBe((y.get(2)! + y.get(3)!) / 2);
  });

  it('starts a tree of its own for a trial whose parent is not drawn or not earlier', () => {
    const trials = lineage([undefined, 3, 9]);
    const layout = layoutLineage(trials);
    expect(layout.edges.map((e) => [e.from, e.to])).toEqual([]);
    expect(new Set(layout.nodes.map((n) => n.x)).size).toBe(1);
  });
});

describe('selectLineage', () => {
  it('keeps only trials in a lineage, all of them when they fit', () => {
    const trials = [...lineage([undefined, 1, 2]), newTrial('s', 4, { status: 'SUCCEEDED', metrics: { acc: 99 } })];
    expect(selectLineage(trials, OBJECTIVE, 10)).toEqual({ trials: trials.slice(0, 3), total: 3 });
    expect(selectLineage(lineage([undefined, undefined]), OBJECTIVE, 10)).toEqual({ trials: [], total: 0 });
  });

  it('otherwise keeps whole ancestries of the best trials, best first', () => {
    // Two chains: 1 -> 2 -> 3 (3 scores best) and 4 -> 5 -> 6; trial 6 scores second best.
    const trials = lineage([undefined, 1, 2, undefined, 4, 5], [0, 1, 10, 2, 3, 9]);
    expect(selectLineage(trials, { metric: 'acc', direction: 'maximize' }, 4).trials.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(selectLineage(trials, { metric: 'acc', direction: 'minimize' }, 4).trials.map((t) => t.number)).toEqual([1, 2, 4, 5]);
    expect(selectLineage(trials, OBJECTIVE, 5).total).toBe(6);
  });

  it("keeps the best trial's nearest ancestors when its whole ancestry does not fit", () => {
    const trials = lineage([undefined, 1, 2, 3, 4], [0, 0, 0, 0, 5]);
    expect(selectLineage(trials, OBJECTIVE, 2).trials.map((t) => t.number)).toEqual([4, 5]);
  });
});
