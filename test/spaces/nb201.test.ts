import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { NB201_CIFAR10_TASK, NB201_OPERATIONS, NB201_PAPER_SKELETON, nb201Cost, nb201Space } from '../../src/spaces/nb201.js';
import { nb201Row } from '../helpers/nb201-csv.js';

const BEST_CIFAR10 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

describe('nb201 space', () => {
  it('round-trips the NB201 string and the list form', () => {
    const cell = nb201Space.parse(BEST_CIFAR10);
    expect(nb201Space.format(cell)).toBe(BEST_CIFAR10);
    expect(nb201Space.parse([...cell])).toEqual(cell);
  });

  it('samples only members of the NB201 table, repeatably for a seed', () => {
    const first = Array.from({ length: 50 }, ((rng) => () => nb201Space.format(nb201Space.sample(rng)))(Rng.fromSeed(11)));
    const again = Array.from({ length: 50 }, ((rng) => () => nb201Space.format(nb201Space.sample(rng)))(Rng.fromSeed(11)));
    expect(first).toEqual(again);
    for (const arch of first) expect(nb201Row(arch), arch).toBeDefined();
    expect(new Set(first.flatMap((arch) => nb201Space.parse(arch))).size).toBe(NB201_OPERATIONS.length);
  });

  it.each([
    ['|nor_conv_3x3~0|+|nor_conv_3x3~0|', 'nb201.format'],
    ['|conv_7x7~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|', 'nb201.operation'],
    ['|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|', 'nb201.edge'],
    [['none', 'none'], 'nb201.edges'],
    [42, 'nb201.type'],
  ])('rejects %j naming rule %s', (value, rule) => {
    expect(() => nb201Space.parse(value)).toThrow(InvalidArchitecture);
    try {
      nb201Space.parse(value);
    } catch (error) {
      expect((error as InvalidArchitecture).rule).toBe(rule);
    }
  });

  it('counts parameters and FLOPs of the NB201 CIFAR-10 network as published', () => {
    const allConv = nb201Space.cost(nb201Space.parse(Array(6).fill('nor_conv_3x3')));
    const allNone = nb201Space.cost(nb201Space.parse(Array(6).fill('none')));
    // NAS-Bench-201 reports 1.531546 MB / 220.11 MFLOPs and 0.073306 MB for these two cells.
    expect(allConv.params).toBe(1_531_546);
    expect(allConv.flops / 1e6).toBeCloseTo(220.11, 1);
    expect(allNone.params).toBe(73_306);
  });
});

describe('nb201Cost for other tasks and skeletons', () => {
  const conv = nb201Space.parse(Array(6).fill('nor_conv_3x3'));
  const none = nb201Space.parse(Array(6).fill('none'));

  it('counts the benchmark network by default', () => {
    expect(nb201Cost(conv)).toEqual(nb201Space.cost(conv));
    expect(nb201Cost(conv, NB201_CIFAR10_TASK, NB201_PAPER_SKELETON)).toEqual(nb201Space.cost(conv));
  });

  it('adds one cell per stage per extra cell, and 4C + 1 parameters per extra class', () => {
    const task = { height: 28, width: 28, channels: 1, classes: 10 };
    const [one, two] = [1, 2].map((cellsPerStage) => nb201Cost(conv, task, { channels: 8, cellsPerStage }));
    const cellsOnly = (cost: { params: number }) => cost.params - nb201Cost(none, task, { channels: 8, cellsPerStage: 1 }).params;
    expect(cellsOnly(two!)).toBe(2 * cellsOnly(one!));
    expect(nb201Cost(conv, { ...task, classes: 11 }, { channels: 8, cellsPerStage: 1 }).params - one!.params).toBe(4 * 8 + 1);
  });

  it('rounds odd map sizes up at each reduction, as strided same-padded layers do', () => {
    const skeleton = { channels: 8, cellsPerStage: 1 };
    const odd = nb201Cost(conv, { height: 7, width: 7, channels: 1, classes: 10 }, skeleton);
    const even = nb201Cost(conv, { height: 8, width: 8, channels: 1, classes: 10 }, skeleton);
    // 7 -> 4 -> 2 and 8 -> 4 -> 2: only the first stage (and the stem) see fewer pixels.
    expect(odd.params).toBe(even.params);
    expect(odd.flops).toBeLessThan(even.flops);
    expect(nb201Cost(conv, { height: 6, width: 6, channels: 1, classes: 10 }, skeleton).flops).toBeLessThan(odd.flops);
  });
});

describe('nb201 encodings', () => {
  it('path-encodes exactly the input-to-output paths free of none edges', () => {
    const allConv = nb201Space.parse(Array(6).fill('nor_conv_3x3'));
    expect(nb201Space.encode(allConv, 'path').reduce((a, b) => a + b, 0)).toBe(4);
    // Cutting edge 0->3 and 2->3 leaves only the path 0->1->3.
    const onePath = nb201Space.parse(['skip_connect', 'nor_conv_3x3', 'nor_conv_3x3', 'none', 'avg_pool_3x3', 'none']);
    expect(nb201Space.encode(onePath, 'path').reduce((a, b) => a + b, 0)).toBe(1);
    expect(nb201Space.encodingLength('path')).toBe(4 + 16 + 16 + 64);
  });

  it('one-hot encodes one operation per edge', () => {
    const encoding = nb201Space.encode(nb201Space.parse(BEST_CIFAR10), 'adjacency');
    expect(encoding.reduce((a, b) => a + b, 0)).toBe(6);
    expect(nb201Space.neighbours(nb201Space.parse(BEST_CIFAR10))).toHaveLength(24);
  });
});
