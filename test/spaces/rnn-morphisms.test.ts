import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { formatCell, rnnCellParameters, type RnnCell } from '../../src/spaces/rnn-cell.js';
import {
  addConnection,
  addRecurrentConnection,
  addUnit,
  changeActivation,
  changeCombination,
  removeConnection,
  removeUnit,
  type RnnMorphismResult,
} from '../../src/spaces/rnn-morphisms.js';
import { rnnMorphismBetween, rnnRandomMorphism, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';

const { rnn, gru, lstm } = rnnSeedCells();
const parse = (text: string) => rnnSpace.parse(text);

function ruleOfMorphism(apply: () => unknown): string | undefined {
  try {
    apply();
  } catch (error) {
    if (error instanceof InvalidArchitecture) return error.rule;
    throw error;
  }
  return undefined;
}

/** Every parameter of the child is planned from parent parameters of the right shape. */
function expectCompletePlan(parent: RnnCell, { child, inheritance }: RnnMorphismResult): void {
  const parentRows = new Map(rnnCellParameters(parent).map((p) => [p.key, p.rows]));
  const childParameters = rnnCellParameters(child);
  expect(Object.keys(inheritance).sort()).toEqual(childParameters.map((p) => p.key).sort());
  for (const { key, rows } of childParameters) {
    const source = inheritance[key]!;
    if (source.kind === 'copy') expect(parentRows.get(source.from), key).toBe(rows);
    if (source.kind === 'product') {
      expect(parentRows.get(source.first), key).toBe(rows);
      expect(parentRows.get(source.second), key).toBe('hidden');
    }
    if (source.kind === 'identity') expect(rows, key).toBe('hidden');
  }
}

describe('constructive morphisms', () => {
  it('add unit splices a linear block that takes over the connection matrix', () => {
    const result = addUnit(rnn, 'z', 0);
    expect(formatCell(result.child)).toBe('b1=linear(x_t);z=linear_bias:add(b1,h_t-1);h_t=tanh(z)');
    expect(result.change).toMatchObject({ kind: 'add-unit', block: 'z', input: 0, addedBlocks: ['b1'], removedBlocks: [], functionPreserving: true });
    expect(result.inheritance).toEqual({
      'b1/w_x_t': { kind: 'copy', from: 'z/w_x_t' },
      'z/w_b1': { kind: 'identity' },
      'z/w_h_t-1': { kind: 'copy', from: 'z/w_h_t-1' },
      'z/bias': { kind: 'copy', from: 'z/bias' },
    });
    expect(addUnit(rnn, 'h_t', 0).inheritance['b1/w_z']).toEqual({ kind: 'identity' });
  });

  it('add connection joins a linear block with a zero matrix, any other block through a zero linear block', () => {
    const linear = addConnection(parse('a=linear(x_t);b=linear(x_t);h_t=tanh:add(a,b)'), 'a', 'b');
    expect(formatCell(linear.child)).toBe('a=linear(x_t);b=linear:add(x_t,a);h_t=tanh:add(a,b)');
    expect(linear.inheritance['b/w_a']).toEqual({ kind: 'zeros' });
    expect(linear.change.addedBlocks).toEqual([]);

    const other = addConnection(lstm, 'i', 'tc');
    expect(other.change).toMatchObject({ kind: 'add-connection', from: 'i', to: 'tc', addedBlocks: ['b1'], functionPreserving: true });
    expect(formatCell(other.child)).toContain('b1=linear(i);tc=tanh:add(c_t,b1)');
    expect(other.inheritance['b1/w_i']).toEqual({ kind: 'zeros' });
  });

  it('add recurrent connection reads h_t-1, or c_t-1 only in a cell with memory', () => {
    const result = addRecurrentConnection(lstm, 'c_t-1', 'tc');
    expect(formatCell(result.child)).toContain('b1=linear(c_t-1);tc=tanh:add(c_t,b1)');
    expect(ruleOfMorphism(() => addRecurrentConnection(gru, 'c_t-1', 'r'))).toBe('rnn.memory');
    expect(ruleOfMorphism(() => addRecurrentConnection(gru, 'x_t', 'r'))).toBe('rnn.morphism');
    expect(ruleOfMorphism(() => addConnection(gru, 'h_t-1', 'r'))).toBe('rnn.morphism');
  });

  it('refuses connections that close a loop, repeat an input or overfill a block', () => {
    expect(ruleOfMorphism(() => addConnection(lstm, 'h_t', 'tc'))).toBe('rnn.cycle');
    expect(ruleOfMorphism(() => addConnection(lstm, 'c_t', 'tc'))).toBe('rnn.duplicate-input');
    expect(ruleOfMorphism(() => addConnection(lstm, 'x_t', 'h_t'))).toBe('rnn.morphism');
  });
});

describe('destructive morphisms', () => {
  it('remove unit undoes add unit, folding the two matrices into one', () => {
    const grown = addUnit(gru, 'zn', 1).child;
    const result = removeUnit(grown, 'b1');
    expect(formatCell(result.child)).toBe(formatCell(gru));
    expect(result.change).toMatchObject({ kind: 'remove-unit', removedBlocks: ['b1'], functionPreserving: true });
    expect(result.inheritance['zn/w_rh']).toEqual({ kind: 'product', first: 'b1/w_rh', second: 'zn/w_b1' });
  });

  it('remove unit rewires readers to the removed block input and is approximate for a nonlinearity', () => {
    const result = removeUnit(lstm, 'tc');
    expect(formatCell(result.child)).toContain('h_t=identity:mul(o,c_t)');
    expect(result.change.functionPreserving).toBe(false);
    expect(ruleOfMorphism(() => removeUnit(lstm, 'h_t'))).toBe('rnn.morphism');
    expect(ruleOfMorphism(() => removeUnit(lstm, 'fc'))).toBe('rnn.morphism');
  });

  it('remove connection drops blocks left without influence, the memory included', () => {
    const result = removeConnection(lstm, 'h_t', 1);
    expect(formatCell(result.child)).not.toContain('c_t');
    expect([...result.change.removedBlocks].sort()).toEqual(['c_t', 'f', 'fc', 'g', 'i', 'ig', 'tc', 'zf', 'zg', 'zi'].sort());
    expect(result.change.functionPreserving).toBe(false);
    // Without x_t the cell would ignore its input.
    expect(ruleOfMorphism(() => removeConnection(rnn, 'z', 1))).toBeUndefined();
    expect(ruleOfMorphism(() => removeConnection(rnn, 'z', 0))).toBe('rnn.reachable');
  });
});

describe('changes', () => {
  it('change activation is exact from identity to linear and from linear to linear_bias', () => {
    const toLinear = changeActivation(lstm, 'fc', 'linear');
    expect(toLinear.change.functionPreserving).toBe(true);
    expect(toLinear.inheritance).toMatchObject({ 'fc/w_f': { kind: 'identity' }, 'fc/w_c_t-1': { kind: 'identity' } });
    const withBias = changeActivation(toLinear.child, 'fc', 'linear_bias');
    expect(withBias.change.functionPreserving).toBe(true);
    expect(withBias.inheritance['fc/bias']).toEqual({ kind: 'zeros' });
    expect(changeActivation(lstm, 'tc', 'relu').change.functionPreserving).toBe(false);
    expect(ruleOfMorphism(() => changeActivation(lstm, 'zi', 'tanh'))).toBe('rnn.input-width');
  });

  it('change combination negates the second matrix between add and sub of a linear block', () => {
    const result = changeCombination(lstm, 'zi', 'sub');
    expect(result.change.functionPreserving).toBe(true);
    expect(result.inheritance['zi/w_h_t-1']).toEqual({ kind: 'copy', from: 'zi/w_h_t-1', negate: true });
    expect(changeCombination(lstm, 'zi', 'mul').change.functionPreserving).toBe(false);
    expect(changeCombination(lstm, 'fc', 'add').change.functionPreserving).toBe(false);
    expect(ruleOfMorphism(() => changeCombination(lstm, 'tc', 'add'))).toBe('rnn.morphism');
  });
});

describe('morphisms over the space', () => {
  it('plan every child parameter from parent parameters of the same shape, for every legal action', () => {
    const rng = Rng.fromSeed(11);
    for (let k = 0; k < 12; k++) {
      const parent = rnnSpace.sample(rng);
      const result = rnnRandomMorphism(parent, rng)!;
      expectCompletePlan(parent, result);
      expect(rnnSpace.canonical(result.child)).not.toBe(rnnSpace.canonical(parent));
    }
  });

  it('recovers the morphism behind a mutation from the parent and the child alone', () => {
    const rng = Rng.fromSeed(2);
    for (let k = 0; k < 10; k++) {
      const parent = rnnSpace.sample(rng);
      const child = rnnSpace.mutate(parent, rng);
      const found = rnnMorphismBetween(parent, child)!;
      expect(formatCell(found.child)).toBe(formatCell(child));
    }
    expect(rnnMorphismBetween(rnn, lstm)).toBeUndefined();
  });
});
