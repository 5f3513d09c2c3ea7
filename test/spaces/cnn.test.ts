import { describe, expect, it } from 'vitest';
import { cnnCost, cnnSpace } from '../../src/spaces/cnn.js';
import { describeSpaceContract } from './space-contract.js';
import { ruleOf } from '../helpers/rule-of.js';

describeSpaceContract(cnnSpace);

describe('cnn space', () => {
  it('round-trips the compact and the JSON form', () => {
    const arch = cnnSpace.parse('conv3x3(32,pool)>sepconv5x5(64,nopool)');
    expect(cnnSpace.toJSON(arch)).toEqual({
      layers: [
        { op: 'conv3x3', filters: 32, pool: true },
        { op: 'sepconv5x5', filters: 64, pool: false },
      ],
    });
    expect(cnnSpace.format(cnnSpace.parse(cnnSpace.toJSON(arch)))).toBe('conv3x3(32,pool)>sepconv5x5(64,nopool)');
  });

  it.each([
    ['conv7x7(32,pool)', 'cnn.op'],
    ['conv3x3(48,pool)', 'cnn.filters'],
    ['conv3x3(32,true)', 'cnn.pool'],
    ['conv3x3(32)', 'cnn.layer'],
    ['conv3x3 32', 'cnn.format'],
    [{ layers: [{ op: 'conv3x3', filters: 32, pool: 'yes' }] }, 'cnn.pool'],
    [{ layers: Array(5).fill({ op: 'conv3x3', filters: 32, pool: false }) }, 'cnn.layers'],
  ])('rejects %j naming rule %s', (value, rule) => {
    expect(ruleOf(cnnSpace, value)).toBe(rule);
  });

  it('counts Keras-style conv, separable conv, batch norm and classifier parameters on 28x28x1', () => {
    // conv 3*3*1*16 (no bias) + BN 2*16 + dense 16*10+10; MACs 28*28*3*3*16 + 16*10.
    expect(cnnSpace.cost(cnnSpace.parse('conv3x3(16,nopool)'))).toEqual({ params: 144 + 32 + 170, flops: 112_896 + 160 });
    // sepconv3x3: depthwise 3*3*1 + pointwise 1*32, BN 64, on 28x28; pool to 14x14;
    // conv5x5: 5*5*32*64 = 51,200, BN 128, on 14x14; dense 64*10+10.
    expect(cnnSpace.cost(cnnSpace.parse('sepconv3x3(32,pool)>conv5x5(64,nopool)'))).toEqual({
      params: 9 + 32 + 64 + 51_200 + 128 + 650,
      flops: 784 * (9 + 32) + 196 * 51_200 + 640,
    });
    // sepconv5x5 on 16 channels at 7x7 (after two pools): depthwise 25*16, pointwise 16*128.
    const deep = cnnSpace.parse('conv3x3(16,pool)>conv3x3(16,pool)>sepconv5x5(128,pool)>conv3x3(16,pool)');
    const blocks = [144 + 32, 2_304 + 32, 400 + 2_048 + 256, 18_432 + 32];
    const macs = [784 * 144, 196 * 2_304, 49 * (400 + 2_048), 9 * 18_432];
    expect(cnnSpace.cost(deep)).toEqual({
      params: blocks.reduce((a, b) => a + b) + 170,
      flops: macs.reduce((a, b) => a + b) + 160,
    });
    expect(cnnCost(cnnSpace.parse('conv3x3(16,nopool)'), { height: 32, width: 32, channels: 3, classes: 100 })).toEqual({
      params: 432 + 32 + 1_700,
      flops: 1_024 * 432 + 1_600,
    });
  });

  it('inserts conv3x3(32,nopool) and draws input -> blocks -> pooling -> classifier', () => {
    const arch = cnnSpace.parse('sepconv3x3(64,pool)');
    const formats = cnnSpace.neighbours(arch).map(cnnSpace.format);
    expect(formats).toContain('conv3x3(32,nopool)>sepconv3x3(64,pool)');
    expect(formats).toContain('sepconv3x3(64,pool)>conv3x3(32,nopool)');
    expect(formats).toContain('sepconv3x3(64,nopool)');
    expect(formats).toHaveLength(3 + 3 + 1 + 2);
    const labels = cnnSpace.graph(arch).nodes.map((node) => node.label);
    expect(labels).toEqual(['input', 'sepconv3x3(64,pool)', 'global average pool', 'dense(10,softmax)']);
    expect(cnnSpace.encodingLength('adjacency')).toBe(4 * (1 + 4 + 4 + 2));
  });
});
