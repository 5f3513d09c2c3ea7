import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.js';
import { canonicalOrder, subgraph } from '../../src/spaces/labelled-dag.js';
import { canonicalDagOrder } from '../../src/spaces/rnn-canonical-order.js';
import { formatCell, makeBlock, type RnnCell } from '../../src/spaces/rnn-cell.js';
import { RNN_NOMINAL_TASK, rnnCost, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import { ruleOf } from '../helpers/rule-of.js';
import { describeSpaceContract } from './space-contract.js';

describeSpaceContract(rnnSpace);

const { rnn, gru, lstm } = rnnSeedCells();
const RNN = 'z=linear_bias:add(x_t,h_t-1);h_t=tanh(z)';

/** The same cell with blocks renamed, listed in another order and commutative inputs swapped. */
function disguise(cell: RnnCell, rng: Rng): RnnCell {
  const names = new Map(cell.blocks.map((b, k) => [b.id, b.id === 'h_t' || b.id === 'c_t' ? b.id : `q${k}`]));
  const rename = (id: string) => names.get(id) ?? id;
  const blocks = cell.blocks.map((b) => {
    const inputs = b.combination === 'sub' || rng.int(0, 1) === 0 ? b.inputs : [...b.inputs].reverse();
    return makeBlock(rename(b.id), inputs.map(rename), b.activation, b.combination);
  });
  return { blocks: rng.shuffle(blocks) };
}

describe('rnn forms and rules', () => {
  it('writes the basic RNN in the string form and reads both forms back', () => {
    expect(rnnSpace.format(rnn)).toBe(RNN);
    for (const cell of [rnn, gru, lstm]) {
      expect(rnnSpace.parse(rnnSpace.format(cell))).toEqual(cell);
      expect(rnnSpace.parse(rnnSpace.toJSON(cell))).toEqual(cell);
    }
  });

  it.each([
    ['z=linear_bias:add(x_t,h_t-1)', 'rnn.output'],
    ['z=linear_bias:add(x_t,h_t-1);z=tanh(z);h_t=tanh(z)', 'rnn.block-id'],
    ['x_t=linear(h_t-1);h_t=tanh(x_t)', 'rnn.block-id'],
    ['z=linear(x_t,h_t-1);h_t=tanh(z)', 'rnn.combination'],
    ['z=linear:add(x_t);h_t=tanh(z)', 'rnn.combination'],
    ['z=linear:add(x_t,x_t);h_t=tanh(z)', 'rnn.duplicate-input'],
    ['z=linear:add(x_t,h_t-1);h_t=tanh:add(z,x_t)', 'rnn.input-width'],
    ['z=linear:add(x_t,y);h_t=tanh(z)', 'rnn.inputs'],
    ['z=linear:add(x_t,h_t);h_t=tanh(z)', 'rnn.cycle'],
    ['z=linear:add(x_t,c_t-1);h_t=tanh(z)', 'rnn.memory'],
    ['z=linear:add(x_t,h_t-1);h_t=tanh(z);c_t=tanh(z)', 'rnn.dead-block'],
    ['z=linear(h_t-1);h_t=tanh(z)', 'rnn.reachable'],
    ['z=linear:add(x_t,h_t-1);w=relu(z);h_t=tanh(z)', 'rnn.dead-block'],
    ['z=softmax(x_t);h_t=tanh(z)', 'rnn.activation'],
    ['z=linear:max(x_t,h_t-1);h_t=tanh(z)', 'rnn.combination'],
    ['h_t = tanh', 'rnn.format'],
    [{ blocks: [{ id: 'h_t', inputs: ['x_t'], activation: 'linear', extra: 1 }] }, 'rnn.type'],
    [{ blocks: [{ id: 'h_t', inputs: ['x_t'], activation: 'gelu' }] }, 'rnn.activation'],
    [{ blocks: Array.from({ length: 21 }, (_, k) => ({ id: `b${k}`, inputs: ['x_t'], activation: 'linear' })) }, 'rnn.size'],
  ])('rejects %j with rule %s', (value, rule) => {
    expect(ruleOf(rnnSpace, value)).toBe(rule);
  });
});

describe('rnn canonical form', () => {
  it('is the same for renamed, reordered cells with swapped commutative inputs', () => {
    const rng = Rng.fromSeed(3);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), (seed) => {
        const cell = rnnSpace.sample(Rng.fromSeed(seed));
        expect(rnnSpace.canonical(disguise(cell, rng))).toBe(rnnSpace.canonical(cell));
        expect(rnnSpace.encode(disguise(cell, rng), 'adjacency')).toEqual(rnnSpace.encode(cell, 'adjacency'));
        expect(rnnSpace.encode(disguise(cell, rng), 'path')).toEqual(rnnSpace.encode(cell, 'path'));
      }),
      { numRuns: 40 },
    );
  });

  it('tells apart a - b from b - a and a shared block from two equal ones', () => {
    const minus = (first: string, second: string) => `z=linear_bias:add(x_t,h_t-1);a=tanh(z);h_t=identity:sub(${first},${second})`;
    expect(rnnSpace.canonical(rnnSpace.parse(minus('a', 'h_t-1')))).not.toBe(rnnSpace.canonical(rnnSpace.parse(minus('h_t-1', 'a'))));
    for (const kind of ['adjacency', 'path'] as const) {
      expect(rnnSpace.encode(rnnSpace.parse(minus('a', 'h_t-1')), kind)).not.toEqual(rnnSpace.encode(rnnSpace.parse(minus('h_t-1', 'a')), kind));
    }
    const shared = rnnSpace.parse('z=linear(x_t);a=tanh(z);b=sigmoid(z);h_t=identity:mul(a,b)');
    const separate = rnnSpace.parse('z=linear(x_t);y=linear(x_t);a=tanh(z);b=sigmoid(y);h_t=identity:mul(a,b)');
    expect(rnnSpace.canonical(shared)).not.toBe(rnnSpace.canonical(separate));
  });

  it('is exact on a cell full of twins: eight linear(x_t) blocks feeding a tree of adds', () => {
    const leaves = Array.from({ length: 8 }, (_, k) => `l${k}=linear(x_t)`);
    const pairs = Array.from({ length: 4 }, (_, k) => `p${k}=identity:add(l${2 * k},l${2 * k + 1})`);
    const tree = rnnSpace.parse([...leaves, ...pairs, 'q0=identity:add(p0,p1)', 'q1=identity:add(p2,p3)', 'h_t=tanh:add(q0,q1)'].join(';'));
    const rng = Rng.fromSeed(4);
    expect(rnnSpace.canonical(disguise(tree, rng))).toBe(rnnSpace.canonical(tree));
    // One leaf moved to another pair is a different network.
    const skewed = rnnSpace.parse(formatCell(tree).replace('p0=identity:add(l0,l1)', 'p0=identity:add(l0,q1)').replace('l1=linear(x_t);', ''));
    expect(rnnSpace.canonical(skewed)).not.toBe(rnnSpace.canonical(tree));
  });

  it('orders labelled DAGs into the same isomorphism classes as labelled-dag.ts', () => {
    const rng = Rng.fromSeed(9);
    const classes = new Map<string, string>();
    for (let k = 0; k < 300; k++) {
      const n = 6;
      const labels = Array.from({ length: n }, () => rng.pick(['a', 'b']));
      const edges = Array.from({ length: n }, (_, from) => Array.from({ length: n }, (__, to) => [from, to] as const))
        .flat()
        .filter(([from, to]) => from < to && rng.int(0, 2) === 0);
      const matrix = labels.map((_, i) => labels.map((__, j) => (edges.some(([a, b]) => a === i && b === j) ? 1 : 0)));
      const reference = canonicalOrder(matrix, labels);
      const ours = canonicalDagOrder(labels, edges);
      const keyOf = (order: number[]) => JSON.stringify([order.map((v) => labels[v]), subgraph(matrix, order)]);
      const [theirKey, ourKey] = [keyOf(reference), JSON.stringify([ours.map((v) => labels[v]), [...edges.map(([a, b]) => `${ours.indexOf(a)}>${ours.indexOf(b)}`)].sort()])];
      expect(classes.get(`ref:${theirKey}`) ?? ourKey).toBe(ourKey);
      expect(classes.get(`ours:${ourKey}`) ?? theirKey).toBe(theirKey);
      classes.set(`ref:${theirKey}`, ourKey).set(`ours:${ourKey}`, theirKey);
    }
    expect(classes.size).toBeGreaterThan(100);
  });

  it('keeps the three seeds apart', () => {
    expect(new Set([rnn, gru, lstm].map(rnnSpace.canonical)).size).toBe(3);
  });
});

describe('rnn cost', () => {
  const task = { vocabSize: 50, embeddingSize: 6, hiddenSize: 8 };
  const { vocabSize: v, embeddingSize: e, hiddenSize: h } = task;
  const model = (cellParams: number) => v * e + cellParams + h * v + v;

  it('counts the textbook parameters of the Elman RNN, the GRU and the LSTM', () => {
    const gate = e * h + h * h + h;
    expect(rnnCost(rnn, task).params).toBe(model(gate));
    expect(rnnCost(gru, task).params).toBe(model(3 * gate));
    expect(rnnCost(lstm, task).params).toBe(model(4 * gate));
    expect(rnnCost(lstm, task).flops).toBe(4 * (e * h + h * h) + h * v);
  });

  it('counts one matrix per input of a linear block and a bias only with linear_bias', () => {
    const cell = rnnSpace.parse('a=linear(x_t);b=linear_bias:mul(a,h_t-1);h_t=tanh(b)');
    expect(rnnCost(cell, task).params).toBe(model(e * h + 2 * h * h + h));
  });

  it('counts for the nominal task by default', () => {
    expect(rnnSpace.cost(lstm)).toEqual(rnnCost(lstm, RNN_NOMINAL_TASK));
  });
});

describe('rnn edits', () => {
  it('labels actions by the morphism they apply', () => {
    const labels = Array.from({ length: rnnSpace.actionCount }, (_, k) => rnnSpace.actionLabel(k));
    for (const word of ['add unit', 'add connection', 'add recurrent connection', 'remove unit', 'remove input', 'activation :=', 'combination :=']) {
      expect(labels.some((label) => label.includes(word))).toBe(true);
    }
  });

  it('lists exactly the seven morphisms the basic RNN allows', () => {
    const withH = (activation: string) => `z=linear_bias:add(x_t,h_t-1);h_t=${activation}(z)`;
    expect(new Set(rnnSpace.neighbours(rnn).map(formatCell))).toEqual(
      new Set([
        // add unit on each connection
        'b1=linear(x_t);z=linear_bias:add(b1,h_t-1);h_t=tanh(z)',
        'b1=linear(h_t-1);z=linear_bias:add(x_t,b1);h_t=tanh(z)',
        'z=linear_bias:add(x_t,h_t-1);b1=linear(z);h_t=tanh(b1)',
        // add connection / add recurrent connection: h_t is the only one-input block, and tanh needs a projection
        'z=linear_bias:add(x_t,h_t-1);b1=linear(x_t);h_t=tanh:add(z,b1)',
        'z=linear_bias:add(x_t,h_t-1);b1=linear(h_t-1);h_t=tanh:add(z,b1)',
        // remove connection: only h_t-1 (without x_t the cell would ignore its input); no unit can go
        'z=linear_bias(x_t);h_t=tanh(z)',
        // change activation: z reads x_t, so it stays linear
        'z=linear:add(x_t,h_t-1);h_t=tanh(z)',
        ...['identity', 'sigmoid', 'relu', 'linear', 'linear_bias'].map(withH),
        // change combination
        'z=linear_bias:mul(x_t,h_t-1);h_t=tanh(z)',
        'z=linear_bias:sub(x_t,h_t-1);h_t=tanh(z)',
      ]),
    );
  });
});
