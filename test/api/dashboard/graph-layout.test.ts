import { describe, expect, it } from 'vitest';
import { layoutGraph, NODE_HEIGHT, type GraphLayout } from '../../../src/api/dashboard/graph-layout.js';
import { Rng } from '../../../src/random/rng.js';
import type { ArchitectureGraph } from '../../../src/spaces/space.js';
import { fixedSpaces } from '../../../src/spaces/registry.js';

/** Start, control points and end of an edge's cubic Bézier path. */
function curveOf(path: string) {
  const numbers = path.match(/-?[\d.]+(e-?\d+)?/g)!.map(Number);
  expect(numbers).toHaveLength(8);
  const [sx, sy, c1x, c1y, c2x, c2y, ex, ey] = numbers as [number, number, number, number, number, number, number, number];
  return { start: { x: sx, y: sy }, c1: { x: c1x, y: c1y }, c2: { x: c2x, y: c2y }, end: { x: ex, y: ey } };
}

function expectWellFormed(graph: ArchitectureGraph, layout: GraphLayout) {
  expect(layout.nodes.map((n) => n.id).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
  expect(layout.edges).toHaveLength(graph.edges.length);
  const node = new Map(layout.nodes.map((n) => [n.id, n]));
  for (const n of layout.nodes) {
    expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
    expect(n.y - NODE_HEIGHT / 2).toBeGreaterThanOrEqual(0);
    expect(n.y + NODE_HEIGHT / 2).toBeLessThanOrEqual(layout.height);
  }
  // No two boxes overlap.
  for (const a of layout.nodes) {
    for (const b of layout.nodes) {
      if (a === b) continue;
      const apart = Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= NODE_HEIGHT;
      expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
    }
  }
  // Every edge leaves its source's right side and enters its target's left side, pointing right.
  graph.edges.forEach((edge, i) => {
    const { start, end } = curveOf(layout.edges[i]!.path);
    const [from, to] = [node.get(edge.from)!, node.get(edge.to)!];
    expect(start).toEqual({ x: from.x + from.width / 2, y: from.y });
    expect(end).toEqual({ x: to.x - to.width / 2, y: to.y });
    expect(end.x).toBeGreaterThan(start.x);
    expect(layout.edges[i]!.label).toBe(edge.label);
  });
}

describe('layoutGraph', () => {
  it.each(fixedSpaces().map((space) => [space.name, space] as const))('lays out sampled %s architectures left to right without overlaps', (_name, space) => {
    const rng = Rng.fromSeed(11);
    for (let i = 0; i < 20; i++) {
      const graph = space.graph(space.sample(rng));
      expectWellFormed(graph, layoutGraph(graph));
    }
  });

  it('bows an edge that skips columns above the nodes it passes, and labels it above its peak', () => {
    const graph: ArchitectureGraph = {
      nodes: [
        { id: 'in', label: 'input' },
        { id: 'mid', label: 'node 1' },
        { id: 'out', label: 'output' },
      ],
      edges: [
        { from: 'in', to: 'mid', label: 'conv' },
        { from: 'mid', to: 'out', label: 'conv' },
        { from: 'in', to: 'out', label: 'skip' },
      ],
    };
    const layout = layoutGraph(graph);
    expectWellFormed(graph, layout);
    const [direct, , skip] = layout.edges.map((e) => ({ ...curveOf(e.path), labelY: e.labelY }));
    const mid = layout.nodes.find((n) => n.id === 'mid')!;
    expect(direct!.c1.y).toBe(direct!.start.y);
    expect(Math.max(skip!.c1.y, skip!.c2.y)).toBeLessThan(mid.y - NODE_HEIGHT / 2);
    // The curve's peak (3/4 of the control points' lift) sits above the box it skips.
    expect(skip!.start.y + (3 / 4) * (skip!.c1.y - skip!.start.y)).toBeLessThan(mid.y - NODE_HEIGHT / 2);
    expect(skip!.labelY).toBeLessThan(skip!.start.y + (3 / 4) * (skip!.c1.y - skip!.start.y));
  });

  it('puts separately connected parts in bands of their own, in listed order', () => {
    const cell = (prefix: string) => ({
      nodes: [
        { id: `${prefix}0`, label: `${prefix} in` },
        { id: `${prefix}1`, label: `${prefix} out` },
      ],
      edges: [{ from: `${prefix}0`, to: `${prefix}1`, label: 'op' }],
    });
    const [normal, reduction] = [cell('normal'), cell('reduction')];
    const graph = { nodes: [...normal.nodes, ...reduction.nodes], edges: [...normal.edges, ...reduction.edges] };
    const layout = layoutGraph(graph);
    expectWellFormed(graph, layout);
    const band = (prefix: string) => layout.nodes.filter((n) => n.id.startsWith(prefix)).map((n) => n.y);
    expect(Math.max(...band('normal')) + NODE_HEIGHT).toBeLessThanOrEqual(Math.min(...band('reduction')));
  });

  it('places a node without inputs one column right of the node listed before it', () => {
    // NB201 with a `none` edge into node 1: node 1 has no input but stays between input and output.
    const graph = {
      nodes: [
        { id: 'in', label: 'input' },
        { id: 'n1', label: 'node 1' },
        { id: 'out', label: 'output' },
      ],
      edges: [
        { from: 'in', to: 'out', label: 'conv' },
        { from: 'n1', to: 'out', label: 'conv' },
      ],
    };
    const layout = layoutGraph(graph);
    expectWellFormed(graph, layout);
    const x = (id: string) => layout.nodes.find((n) => n.id === id)!.x;
    expect(x('in')).toBeLessThan(x('n1'));
    expect(x('n1')).toBeLessThan(x('out'));
  });

  it("points every edge right also when a node is listed before the node it reads (a recurrent cell's blocks)", () => {
    const graph = {
      nodes: [
        { id: 'x', label: 'x_t' },
        { id: 'b2', label: 'b2: linear' },
        { id: 'b1', label: 'b1: tanh' },
        { id: 'h', label: 'h_t' },
      ],
      edges: [
        { from: 'b1', to: 'b2' },
        { from: 'x', to: 'b1' },
        { from: 'b2', to: 'h' },
      ],
    };
    expectWellFormed(graph, layoutGraph(graph));
  });
});
