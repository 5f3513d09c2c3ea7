import { describe, expect, it } from 'vitest';
import { mlpCost, mlpSpace } from '../../src/spaces/mlp.js';
import { describeSpaceContract } from './space-contract.js';
import { ruleOf } from '../helpers/rule-of.js';

describeSpaceContract(mlpSpace);

describe('mlp space', () => {
  it('round-trips the compact and the JSON form', () => {
    const arch = mlpSpace.parse('dense(128,relu,0.1)>dense(64,gelu,0)');
    expect(mlpSpace.toJSON(arch)).toEqual({
      layers: [
        { units: 128, activation: 'relu', dropout: 0.1 },
        { units: 64, activation: 'gelu', dropout: 0 },
      ],
    });
    expect(mlpSpace.format(mlpSpace.parse(mlpSpace.toJSON(arch)))).toBe('dense(128,relu,0.1)>dense(64,gelu,0)');
  });

  it.each([
    ['dense(128,relu)', 'mlp.layer'],
    ['conv(128,relu,0)', 'mlp.layer'],
    ['dense(100,relu,0)', 'mlp.units'],
    ['dense(128,sigmoid,0)', 'mlp.activation'],
    ['dense(128,relu,0.5)', 'mlp.dropout'],
    ['dense(128,relu,0)>', 'mlp.format'],
    [Array(5).fill('dense(32,relu,0)').join('>'), 'mlp.layers'],
    [{ layers: [] }, 'mlp.layers'],
    [{ layers: [{ units: 128, activation: 'relu' }] }, 'mlp.dropout'],
    [{ layers: [{ units: 128, activation: 'relu', dropout: 0, bias: true }] }, 'mlp.layer'],
    [{ layers: [], extra: 1 }, 'mlp.type'],
  ])('rejects %j naming rule %s', (value, rule) => {
    expect(ruleOf(mlpSpace, value)).toBe(rule);
  });

  it('counts dense weights, biases and multiply-accumulates for 784 inputs and 10 classes', () => {
    // 784*128 + 128 + 128*10 + 10
    expect(mlpSpace.cost(mlpSpace.parse('dense(128,relu,0)'))).toEqual({ params: 101_770, flops: 101_632 });
    // 784*256+256 + 256*64+64 + 64*10+10; activations and dropout add nothing.
    expect(mlpSpace.cost(mlpSpace.parse('dense(256,gelu,0.1)>dense(64,tanh,0.3)'))).toEqual({ params: 218_058, flops: 217_728 });
    expect(mlpCost(mlpSpace.parse('dense(32,swish,0)'), { inputs: 10, classes: 2 })).toEqual({ params: 352 + 66, flops: 320 + 64 });
  });

  it('edits one field, inserts the default layer anywhere, removes any layer but the last', () => {
    const one = mlpSpace.parse('dense(64,tanh,0.3)');
    // 4 + 3 + 2 field changes, 2 insert positions, no removal.
    expect(mlpSpace.neighbours(one).map(mlpSpace.format)).toHaveLength(11);
    expect(mlpSpace.neighbours(one).map(mlpSpace.format)).toContain('dense(128,relu,0)>dense(64,tanh,0.3)');
    const full = mlpSpace.parse('dense(32,relu,0)>dense(32,relu,0)>dense(64,relu,0)>dense(64,relu,0)');
    const formats = mlpSpace.neighbours(full).map(mlpSpace.format);
    // Removing either of two equal layers gives one neighbour; a full chain takes no insert.
    expect(formats.filter((f) => f.split('>').length === 3)).toEqual([
      'dense(32,relu,0)>dense(64,relu,0)>dense(64,relu,0)',
      'dense(32,relu,0)>dense(32,relu,0)>dense(64,relu,0)',
    ]);
    expect(formats).toHaveLength(4 * 9 + 2);
    expect(mlpSpace.actionCount).toBe(4 * 12 + 4 + 4);
    expect(mlpSpace.actionLabel(0)).toBe('layer 0 units := 32');
  });

  it('one-hot encodes each slot with an absent flag, and draws input -> layers -> output', () => {
    const arch = mlpSpace.parse('dense(512,swish,0.3)');
    const encoding = mlpSpace.encode(arch, 'adjacency');
    expect(mlpSpace.encodingLength('adjacency')).toBe(4 * 13);
    expect(encoding.slice(0, 13)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    expect(encoding.slice(13).filter((bit, i) => bit === 1 && i % 13 === 0)).toHaveLength(3);
    expect(mlpSpace.encode(arch, 'path')).toEqual(encoding);
    expect(mlpSpace.graph(arch).edges).toEqual([
      { from: 'input', to: 'layer0' },
      { from: 'layer0', to: 'output' },
    ]);
  });
});
