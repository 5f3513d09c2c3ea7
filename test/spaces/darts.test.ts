import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { DARTS_CIFAR10_TASK, DARTS_PAPER_NETWORK, dartsCost, dartsReductionLayers, dartsSpace } from '../../src/spaces/darts.js';
import { describeSpaceContract } from './space-contract.js';

describeSpaceContract(dartsSpace);

/** DARTS-V2 (second-order DARTS, Liu et al. 2019), as `genotypes.py` of the reference code lists it. */
const DARTS_V2 = {
  normal: [
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2],
  ],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1],
    ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1],
  ],
};
const DARTS_V2_STRING =
  'normal:|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~1|skip_connect~0|+|skip_connect~0|dil_conv_3x3~2|' +
  ';reduce:|max_pool_3x3~0|max_pool_3x3~1|+|skip_connect~2|max_pool_3x3~1|+|max_pool_3x3~0|skip_connect~2|+|skip_connect~2|max_pool_3x3~1|';

/** Each node reads the one before it, so no two nodes can trade places. */
const CHAIN_CELL = '|sep_conv_3x3~0|sep_conv_5x5~1|+|dil_conv_3x3~0|max_pool_3x3~2|+|avg_pool_3x3~1|skip_connect~3|+|sep_conv_3x3~0|dil_conv_5x5~4|';
const CHAIN = `normal:${CHAIN_CELL};reduce:${CHAIN_CELL}`;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('darts space', () => {
  const v2 = dartsSpace.parse(DARTS_V2);

  it('writes the string form node by node, keeping the input order as given', () => {
    expect(dartsSpace.format(v2)).toBe(DARTS_V2_STRING);
    expect(dartsSpace.parse(DARTS_V2_STRING)).toEqual(v2);
    expect(dartsSpace.toJSON(v2)).toEqual(DARTS_V2);
  });

  it('gives the same canonical form whatever the order of a node\'s two inputs', () => {
    const swapped = DARTS_V2_STRING.replace('|sep_conv_3x3~1|skip_connect~0|', '|skip_connect~0|sep_conv_3x3~1|');
    expect(dartsSpace.format(dartsSpace.parse(swapped))).not.toBe(DARTS_V2_STRING);
    expect(dartsSpace.canonical(dartsSpace.parse(swapped))).toBe(dartsSpace.canonical(v2));
  });

  it('gives the same canonical form to cells whose nodes are only numbered differently', () => {
    const withNormal = (cell: string) => dartsSpace.parse(`normal:${cell};reduce:${CHAIN_CELL}`);
    const cell = '|sep_conv_3x3~0|sep_conv_5x5~1|+|max_pool_3x3~0|avg_pool_3x3~1|+|skip_connect~2|dil_conv_3x3~0|+|dil_conv_5x5~3|sep_conv_3x3~4|';
    // Nodes 2 and 3 read only the cell inputs, so they may trade numbers if their readers follow.
    const traded = '|max_pool_3x3~0|avg_pool_3x3~1|+|sep_conv_3x3~0|sep_conv_5x5~1|+|skip_connect~3|dil_conv_3x3~0|+|dil_conv_5x5~2|sep_conv_3x3~4|';
    expect(dartsSpace.canonical(withNormal(traded))).toBe(dartsSpace.canonical(withNormal(cell)));
    // Trading without the readers following moves skip_connect onto the pooling node: another network.
    const moved = '|max_pool_3x3~0|avg_pool_3x3~1|+|sep_conv_3x3~0|sep_conv_5x5~1|+|skip_connect~2|dil_conv_3x3~0|+|dil_conv_5x5~3|sep_conv_3x3~4|';
    expect(dartsSpace.canonical(withNormal(moved))).not.toBe(dartsSpace.canonical(withNormal(cell)));
  });

  it('counts the DARTS CIFAR-10 evaluation network of DARTS-V2 at the published 3.3 M parameters', () => {
    const { params, flops } = dartsSpace.cost(v2);
    expect(Math.abs(params - 3.3e6) / 3.3e6).toBeLessThan(0.03);
    // The reference code logs "param size = 3.349342MB" for this genotype; 528 M MACs is the usual FLOP figure.
    expect(params).toBe(3_349_342);
    expect(flops / 1e6).toBeCloseTo(528.4, 1);
  });

  it.each([
    [42, 'darts.type'],
    [['sep_conv_3x3', 0], 'darts.type'],
    ['normal:|sep_conv_3x3~0|', 'darts.format'],
    [{ normal: DARTS_V2.normal }, 'darts.cell'],
    [{ ...DARTS_V2, reduce: DARTS_V2.reduce.slice(2) }, 'darts.node'],
    [DARTS_V2_STRING.replace('+|skip_connect~0|dil_conv_3x3~2|', ''), 'darts.node'],
    [{ ...DARTS_V2, normal: [['sep_conv_3x3'], ...DARTS_V2.normal.slice(1)] }, 'darts.edge'],
    [DARTS_V2_STRING.replace('dil_conv_3x3~2', 'dil_conv_3x3'), 'darts.edge'],
    [DARTS_V2_STRING.replace('dil_conv_3x3~2', 'conv_7x7~2'), 'darts.operation'],
    [DARTS_V2_STRING.replace('dil_conv_3x3~2', 'dil_conv_3x3~5'), 'darts.input'],
    [DARTS_V2_STRING.replace('dil_conv_3x3~2', 'dil_conv_3x3~x'), 'darts.input'],
    [DARTS_V2_STRING.replace('|sep_conv_3x3~0|sep_conv_3x3~1|', '|sep_conv_3x3~2|sep_conv_3x3~1|'), 'darts.input'],
    [DARTS_V2_STRING.replace('|skip_connect~0|dil_conv_3x3~2|', '|skip_connect~2|dil_conv_3x3~2|'), 'darts.input'],
    [{ ...DARTS_V2, normal: DARTS_V2.normal.map(([op]) => [op, 0.5]) }, 'darts.input'],
  ])('rejects %j naming rule %s', (value, rule) => {
    let thrown: unknown;
    try {
      dartsSpace.parse(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArchitecture);
    expect((thrown as InvalidArchitecture).rule).toBe(rule);
  });

  it('lists every op change and rewiring of a cell without symmetries as a neighbour', () => {
    // Per cell: 8 edges x 6 other operations, plus rewirings to another legal input (0 + 2 + 4 + 6).
    const chain = dartsSpace.parse(CHAIN);
    expect(dartsSpace.legalActions(chain).filter(Boolean)).toHaveLength(2 * (8 * 6 + 12));
    expect(dartsSpace.neighbours(chain)).toHaveLength(2 * (8 * 6 + 12));
  });

  it('drops the edits of DARTS-V2 that only renumber nodes', () => {
    // Normal nodes 2 and 3 are equal, so rewiring node 5 from node 2 to node 3 changes nothing: 119 legal
    // actions. Reduce nodes 3 and 5 are equal and interchangeable, so the 6 + 6 op changes and the 2
    // rewirings to input 0 of node 5 repeat those of node 3: 105 neighbours.
    expect(dartsSpace.legalActions(v2).filter(Boolean)).toHaveLength(119);
    expect(dartsSpace.neighbours(v2)).toHaveLength(105);
  });

  it('applies an edit action to the named edge', () => {
    const action = Array.from({ length: dartsSpace.actionCount }, (_, a) => a).find(
      (a) => dartsSpace.actionLabel(a) === 'normal node 5 edge 1: op := sep_conv_5x5',
    )!;
    expect(dartsSpace.format(dartsSpace.applyAction(v2, action))).toBe(DARTS_V2_STRING.replace('dil_conv_3x3~2', 'sep_conv_5x5~2'));
  });

  it('samples every input pair and operation', () => {
    const rng = Rng.fromSeed(3);
    const node5 = new Set<string>();
    const ops = new Set<string>();
    for (let i = 0; i < 400; i += 1) {
      const [first, second] = dartsSpace.sample(rng).normal[3]!;
      node5.add(`${first.input}_${second.input}`);
      ops.add(first.op);
    }
    expect(node5.size).toBe(10);
    expect(ops.size).toBe(7);
  });
});

describe('dartsCost for other tasks and networks', () => {
  const v2 = dartsSpace.parse(DARTS_V2);

  it('counts the paper\'s evaluation network by default', () => {
    expect(dartsCost(v2, DARTS_CIFAR10_TASK, DARTS_PAPER_NETWORK)).toEqual(dartsSpace.cost(v2));
  });

  it('reduces at a third and two thirds of the depth', () => {
    expect(dartsReductionLayers(20)).toEqual([6, 13]);
    expect(dartsReductionLayers(5)).toEqual([1, 3]);
  });

  it('grows with width and depth, and counts images of any size with the same parameters', () => {
    const mnist = { height: 28, width: 28, channels: 1, classes: 10 };
    const small = dartsCost(v2, mnist, { channels: 8, layers: 5 });
    expect(dartsCost(v2, mnist, { channels: 16, layers: 5 }).params).toBeGreaterThan(small.params);
    expect(dartsCost(v2, mnist, { channels: 8, layers: 8 }).params).toBeGreaterThan(small.params);
    const odd = dartsCost(v2, { ...mnist, height: 27, width: 27 }, { channels: 8, layers: 5 });
    expect(odd.params).toBe(small.params);
    expect(odd.flops).toBeLessThan(small.flops);
  });
});

describe('darts encodings and graph', () => {
  const v2 = dartsSpace.parse(DARTS_V2);

  it('one-hot encodes the operation of each used edge', () => {
    expect(dartsSpace.encodingLength('adjacency')).toBe(2 * 14 * 7);
    expect(sum(dartsSpace.encode(v2, 'adjacency'))).toBe(16);
  });

  it('path-encodes the distinct operation sequences from each cell input to the output', () => {
    expect(dartsSpace.encodingLength('path')).toBe(2 * 2 * (7 + 49 + 343 + 2401));
    // Normal: sep from 0 and 1, skip from 0, sep-dil from 0 and 1; reduce: max from 0 and 1, max-skip from 0 and 1.
    expect(sum(dartsSpace.encode(v2, 'path'))).toBe(9);
    // The chain cell has one path through all 4 nodes (0 -sep-> 2 -max-> 3 -skip-> 4 -dil5-> 5) among others.
    expect(sum(dartsSpace.encode(dartsSpace.parse(CHAIN), 'path'))).toBeGreaterThan(9);
  });

  it('draws both cells with their inputs, nodes and output', () => {
    const graph = dartsSpace.graph(v2);
    expect(graph.nodes).toHaveLength(2 * 7);
    expect(graph.edges.filter((edge) => edge.label !== undefined)).toHaveLength(16);
    expect(graph.edges).toContainEqual({ from: 'normal-2', to: 'normal-5', label: 'dil_conv_3x3' });
    expect(graph.edges).toContainEqual({ from: 'reduce-5', to: 'reduce-out' });
  });
});
