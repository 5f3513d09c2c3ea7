import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { canonicalOrder, subgraph } from '../../src/spaces/labelled-dag.js';
import { nb101Space, type Nb101Cell } from '../../src/spaces/nb101.js';
import { describeSpaceContract } from './space-contract.js';
import { ruleOf } from '../helpers/rule-of.js';

describeSpaceContract(nb101Space);

const CONV3 = 'conv3x3-bn-relu';
const CONV1 = 'conv1x1-bn-relu';
const POOL = 'maxpool3x3';

/** The Inception-like cell of NB101's README and colab. */
const INCEPTION = {
  matrix: [
    [0, 1, 1, 1, 0, 1, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0],
  ],
  ops: ['input', CONV1, CONV3, CONV3, CONV3, POOL, 'output'],
};
/** The same network as NB101's table stores it (`module_adjacency` / `module_operations` in the colab). */
const INCEPTION_AS_STORED = {
  matrix: [
    [0, 1, 1, 1, 1, 0, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 1, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0],
  ],
  ops: ['input', CONV3, CONV1, POOL, CONV3, CONV3, 'output'],
};

const parse = (value: unknown) => nb101Space.parse(value);
const canonical = (value: unknown) => nb101Space.canonical(parse(value));

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

/** A cell in NB101's JSON form from its operations and edge list. */
function fromEdges(ops: readonly string[], edges: readonly (readonly [number, number])[]) {
  const matrix = ops.map((_, i) => ops.map((__, j) => (edges.some(([from, to]) => from === i && to === j) ? 1 : 0)));
  return { matrix, ops: [...ops] };
}
const FIVE_CONV3 = ['input', CONV3, CONV3, CONV3, CONV3, CONV3, 'output'];
/** Input fans out to nodes 1..5, which all feed the output: 10 edges. */
const FAN = fromEdges(FIVE_CONV3, range(5).flatMap((k) => [[0, k + 1], [k + 1, 6]] as const));

interface Dag<L> {
  readonly matrix: readonly (readonly number[])[];
  readonly ops: readonly L[];
}

/** Renumbers the intermediate nodes by a random topological order, so the copy is again upper triangular. */
function randomRenumbering<L>(cell: Dag<L>, rng: Rng): { matrix: number[][]; ops: L[] } {
  const n = cell.ops.length;
  const pending = new Set(range(n).slice(1, -1));
  const order = [0];
  while (pending.size > 0) {
    const ready = [...pending].filter((v) => [...pending].every((u) => cell.matrix[u]![v] === 0));
    const next = rng.pick(ready);
    order.push(next);
    pending.delete(next);
  }
  order.push(n - 1);
  return { matrix: order.map((i) => order.map((j) => cell.matrix[i]![j]!)), ops: order.map((i) => cell.ops[i]!) };
}

describe('nb101 forms', () => {
  it('writes the documented string form and reads both forms back', () => {
    const cell = parse(INCEPTION);
    expect(nb101Space.format(cell)).toBe('conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3|111010/00001/0001/100/01/1');
    expect(nb101Space.toJSON(cell)).toEqual(INCEPTION);
    expect(parse(nb101Space.format(cell))).toEqual(cell);
    expect(nb101Space.format(parse({ matrix: [[0, 1], [0, 0]], ops: ['input', 'output'] }))).toBe('|1');
  });

  it.each([
    ['too many edges', FAN, 'nb101.edges'],
    ['an edge below the diagonal', { matrix: [[0, 1, 0], [0, 0, 1], [1, 0, 0]], ops: ['input', CONV3, 'output'] }, 'nb101.upper-triangular'],
    ['a self-loop', { matrix: [[0, 1, 0], [0, 1, 1], [0, 0, 0]], ops: ['input', CONV3, 'output'] }, 'nb101.upper-triangular'],
    ['an unknown operation (JSON)', { matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv5x5', 'output'] }, 'nb101.operation'],
    ['an unknown operation (string)', 'conv5x5|01/1', 'nb101.operation'],
    ['input not joined to output', { matrix: [[0, 1, 0], [0, 0, 0], [0, 0, 0]], ops: ['input', CONV3, 'output'] }, 'nb101.connected'],
    ['only dangling paths', 'conv3x3,conv3x3|100/00/1', 'nb101.connected'],
    ['more than 7 nodes', fromEdges(['input', ...FIVE_CONV3.slice(1, -1), CONV3, 'output'], range(7).map((k) => [k, k + 1] as const)), 'nb101.vertices'],
    ['fewer than 2 nodes', { matrix: [[0]], ops: ['input'] }, 'nb101.vertices'],
    ['ops without input and output', { matrix: [[0, 1], [0, 0]], ops: [CONV3, CONV3] }, 'nb101.ends'],
    ['a matrix of the wrong size', { matrix: [[0, 1], [0, 0]], ops: ['input', CONV3, 'output'] }, 'nb101.matrix'],
    ['a matrix entry other than 0/1', { matrix: [[0, 2], [0, 0]], ops: ['input', 'output'] }, 'nb101.matrix'],
    ['a triangle with the wrong number of rows', 'conv3x3|01/1/1', 'nb101.matrix'],
    ['a malformed string', 'conv3x3 -> output', 'nb101.format'],
  ])('rejects %s', (_, value, rule) => {
    expect(ruleOf(nb101Space, value)).toBe(rule);
  });

  it('counts edges after pruning, as NB101 does', () => {
    // Cutting 5->6 from the fan and adding 1->2 keeps 10 edges, but node 5 now only ends a dead end, so
    // pruning removes it and the edge 0->5: 9 remain.
    const edges = FAN.matrix.flatMap((row, i) => row.flatMap((bit, j) => (bit && !(i === 5 && j === 6) ? [[i, j] as const] : [])));
    const cell = fromEdges(FIVE_CONV3, [...edges, [1, 2]]);
    expect(cell.matrix.flat().filter(Boolean)).toHaveLength(10);
    expect(ruleOf(nb101Space, cell)).toBeUndefined();
    expect(ruleOf(nb101Space, fromEdges(FIVE_CONV3, [...edges, [1, 2], [5, 6]]))).toBe('nb101.edges');
  });
});

describe('nb101 canonical form', () => {
  it('is the same for NB101 README cell and the isomorphic copy NB101 stores', () => {
    expect(canonical(INCEPTION)).toBe(canonical(INCEPTION_AS_STORED));
  });

  it('does not change when intermediate nodes are renumbered', () => {
    const rng = Rng.fromSeed(101);
    let renumbered = 0;
    for (let k = 0; k < 200; k++) {
      const cell = nb101Space.sample(rng);
      const copy = parse(randomRenumbering(cell, rng));
      if (nb101Space.format(copy) !== nb101Space.format(cell)) renumbered++;
      expect(nb101Space.canonical(copy)).toBe(nb101Space.canonical(cell));
      expect(nb101Space.encode(copy, 'adjacency')).toEqual(nb101Space.encode(cell, 'adjacency'));
    }
    expect(renumbered).toBeGreaterThan(150);
  });

  it('tells apart networks with the same degrees and the same operations', () => {
    // Input feeds two chains into the output: every intermediate node has in- and out-degree 1.
    const twoAndTwo = 'conv3x3,conv3x3,conv3x3,conv3x3|10100/1000/001/10/1';
    const oneAndThree = 'conv3x3,conv3x3,conv3x3,conv3x3|11000/0001/100/10/1';
    expect(canonical(twoAndTwo)).not.toBe(canonical(oneAndThree));
    // Same two chains, same operations overall, placed differently along them.
    const crossed = 'conv3x3,conv1x1,conv1x1,conv3x3|10100/1000/001/10/1';
    const paired = 'conv3x3,conv3x3,conv1x1,conv1x1|10100/1000/001/10/1';
    expect(canonical(crossed)).not.toBe(canonical(paired));
    // ...while swapping the two chains is an isomorphism.
    expect(canonical(crossed)).toBe(canonical('conv1x1,conv3x3,conv3x3,conv1x1|10100/1000/001/10/1'));
  });

  it('ignores nodes off every input-to-output path', () => {
    const chain = canonical('conv3x3|10/1');
    expect(canonical('conv3x3,maxpool3x3|110/01/0')).toBe(chain); // fed by the input, feeds nothing
    expect(canonical('maxpool3x3,conv3x3|010/01/1')).toBe(chain); // feeds the output, fed by nothing
    expect(canonical('conv3x3,conv1x1|100/01/0')).toBe(chain); // isolated
  });
});

describe('canonical order of a labelled DAG', () => {
  // Input -> 4 nodes -> 4 nodes -> output, the two middle layers joined as one 8-cycle or as two 4-cycles:
  // every middle node has one predecessor/successor outside and two inside in both graphs, so colour
  // refinement cannot tell them apart (NB101's `hash_module` gives both the same MD5); the search over orders can.
  const layered = (middle: readonly (readonly [number, number])[]): Dag<string> => ({
    matrix: range(10).map((i) =>
      range(10).map((j) =>
        (i === 0 && j >= 1 && j <= 4) || (i >= 5 && i <= 8 && j === 9) || middle.some(([a, b]) => a === i && b === j) ? 1 : 0,
      ),
    ),
    ops: ['input', ...range(8).map(() => 'node'), 'output'],
  });
  const cycle = layered([[1, 5], [2, 5], [2, 6], [3, 6], [3, 7], [4, 7], [4, 8], [1, 8]]);
  const twoSquares = layered([[1, 5], [1, 6], [2, 5], [2, 6], [3, 7], [3, 8], [4, 7], [4, 8]]);
  const form = (dag: Dag<string>) => subgraph(dag.matrix, canonicalOrder(dag.matrix, dag.ops));

  it('is exact where colour refinement is not', () => {
    const rng = Rng.fromSeed(8);
    expect(form(cycle)).not.toEqual(form(twoSquares));
    for (const dag of [cycle, twoSquares]) {
      for (let k = 0; k < 10; k++) expect(form(randomRenumbering(dag, rng))).toEqual(form(dag));
    }
  });
});

describe('nb101 edits', () => {
  const neighbourForms = (cell: Nb101Cell) => new Set(nb101Space.neighbours(cell).map(nb101Space.canonical));
  const forms = (...cells: string[]) => new Set(cells.map(canonical));

  it('lists every neighbour of a one-node chain, and exactly its 3 actions are legal', () => {
    const chain = parse('conv3x3|10/1');
    expect(neighbourForms(chain)).toEqual(forms('conv3x3|11/1', 'conv1x1|10/1', 'maxpool3x3|10/1'));
    const legal = nb101Space.legalActions(chain).flatMap((ok, action) => (ok ? [nb101Space.actionLabel(action)] : []));
    expect(legal).toEqual(['toggle edge 0->6', 'node 1 := conv1x1', 'node 1 := maxpool3x3']);
  });

  it('lists every neighbour of a two-node chain', () => {
    // Removing any edge disconnects it; the order of the two operations matters.
    expect(neighbourForms(parse('conv3x3,conv3x3|100/10/1'))).toEqual(
      forms(
        'conv3x3,conv3x3|110/10/1', // + input -> second
        'conv3x3,conv3x3|101/10/1', // + input -> output
        'conv3x3,conv3x3|100/11/1', // + first -> output
        'conv1x1,conv3x3|100/10/1',
        'maxpool3x3,conv3x3|100/10/1',
        'conv3x3,conv1x1|100/10/1',
        'conv3x3,maxpool3x3|100/10/1',
      ),
    );
  });

  it('counts isomorphic results once', () => {
    // Two parallel conv3x3 branches: cutting either edge of either branch leaves the same chain.
    const branches = parse('conv3x3,conv3x3|110/01/1');
    expect(nb101Space.legalActions(branches).filter(Boolean)).toHaveLength(10);
    expect(neighbourForms(branches)).toEqual(
      forms('conv3x3|10/1', 'conv3x3,conv3x3|111/01/1', 'conv3x3,conv3x3|110/11/1', 'conv1x1,conv3x3|110/01/1', 'maxpool3x3,conv3x3|110/01/1'),
    );
  });

  it('has no neighbour for input wired straight to output, so it mutates to a fresh sample', () => {
    const bare = parse('|1');
    expect(nb101Space.neighbours(bare)).toEqual([]);
    expect(nb101Space.legalActions(bare).some(Boolean)).toBe(false);
    expect(() => nb101Space.applyAction(bare, 20)).toThrow(InvalidArchitecture);
    const child = nb101Space.mutate(bare, Rng.fromSeed(3));
    expect(nb101Space.canonical(child)).not.toBe(nb101Space.canonical(bare));
  });
});

describe('nb101 cost and encodings', () => {
  it('counts the parameters NB101 reports for the Inception-like cell', () => {
    // trainable_parameters of this cell in NB101's colab query.
    expect(nb101Space.cost(parse(INCEPTION)).params).toBe(2_694_282);
    expect(nb101Space.cost(parse(INCEPTION_AS_STORED)).params).toBe(2_694_282);
  });

  it('counts the bare cell as the skeleton plus one projection per module', () => {
    // Derived by hand from model_builder.py (no published figure): stem 3*3*3*128 + 2*128, projections
    // 128->128 x3, 128->256, 256->256 x2, 256->512, 512->512 x2 (each with 2*cout BN), dense 512*10 + 10.
    const projection = (cin: number, cout: number) => cin * cout + 2 * cout;
    const expected =
      3 * 3 * 3 * 128 + 256 +
      3 * projection(128, 128) + projection(128, 256) + 2 * projection(256, 256) + projection(256, 512) + 2 * projection(512, 512) +
      512 * 10 + 10;
    expect(nb101Space.cost(parse('|1')).params).toBe(expected);
  });

  it('costs more for 3x3 convolutions than 1x1, and more for 1x1 than max-pooling', () => {
    const [conv3, conv1, pool] = ['conv3x3|10/1', 'conv1x1|10/1', 'maxpool3x3|10/1'].map((cell) => nb101Space.cost(parse(cell)));
    expect(conv3!.params).toBeGreaterThan(conv1!.params);
    expect(conv1!.params).toBeGreaterThan(pool!.params);
    expect(conv3!.flops).toBeGreaterThan(conv1!.flops);
    expect(conv1!.flops).toBeGreaterThan(pool!.flops);
  });

  it('path-encodes each input-to-output path by its operations', () => {
    const bits = nb101Space.encode(parse(INCEPTION), 'path');
    expect(nb101Space.encodingLength('path')).toBe(1 + 3 + 9 + 27 + 81 + 243);
    // conv3x3 -> 1, conv1x1 -> 2, maxpool3x3 -> 3, conv3x3 conv3x3 -> 1 + 3 * 1 (BANANAS' indices).
    expect(bits.flatMap((bit, index) => (bit ? [index] : []))).toEqual([1, 2, 3, 4]);
    expect(nb101Space.encode(parse('|1'), 'path').flatMap((bit, index) => (bit ? [index] : []))).toEqual([0]);
  });

  it('adjacency-encodes 21 slot pairs and a one-hot operation per intermediate slot', () => {
    expect(nb101Space.encodingLength('adjacency')).toBe(21 + 5 * 3);
    const bits = nb101Space.encode(parse('maxpool3x3|10/1'), 'adjacency');
    // Edges 0->1 (pair 0) and 1->6 (pair 6 + 4 = 10: the output sits in slot 6); slot 1 holds maxpool3x3.
    expect(bits.flatMap((bit, index) => (bit ? [index] : []))).toEqual([0, 10, 21 + 2]);
  });

  it('draws the pruned network with its operations', () => {
    const graph = nb101Space.graph(parse('conv3x3,maxpool3x3|110/01/0'));
    expect(graph.nodes).toEqual([
      { id: '0', label: 'input' },
      { id: '1', label: CONV3 },
      { id: '3', label: 'output' },
    ]);
    expect(graph.edges).toEqual([
      { from: '0', to: '1' },
      { from: '1', to: '3' },
    ]);
  });
});
