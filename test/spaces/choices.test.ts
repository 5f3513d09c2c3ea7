import { describe, expect, it } from 'vitest';
import { InvalidArchitecture, InvalidRequest } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import {
  ChoicesDeclarationSchema,
  countChoicesArchitectures,
  createChoicesSpace,
  type ChoicesDeclarationInput,
} from '../../src/spaces/choices.js';
import { describeSpaceContract } from './space-contract.js';
import { ruleOf } from '../helpers/rule-of.js';

const EXAMPLE = {
  decisions: {
    layer1: { options: ['conv3', 'conv5', 'skip'], params: [90, 250, 0] },
    width: { options: [16, 32, 64] },
    layer2: { options: ['conv3', 'conv5'], when: { decision: 'layer1', in: ['conv3', 'conv5'] }, params: [90, 250] },
    kernel2: { options: [1, 2], when: { decision: 'layer2', in: ['conv5'] } },
  },
} satisfies ChoicesDeclarationInput;

const space = createChoicesSpace(EXAMPLE);

describeSpaceContract(space);

/** Every architecture of a declaration, by breadth-first search over one-edit neighbours. */
function enumerate(declaration: ChoicesDeclarationInput): Set<string> {
  const declared = createChoicesSpace(declaration);
  const seen = new Set<string>();
  const queue = [declared.sample(Rng.fromSeed(1))];
  for (const arch of queue) {
    const canonical = declared.canonical(arch);
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    queue.push(...declared.neighbours(arch));
  }
  return seen;
}

function declarationError(declaration: unknown): { field: string; message: string } | undefined {
  try {
    createChoicesSpace(declaration as ChoicesDeclarationInput);
  } catch (error) {
    if (error instanceof InvalidRequest) return { field: error.field, message: error.message };
    throw error;
  }
  return undefined;
}

describe('choices declaration', () => {
  const two = { options: ['x', 'y'] };
  it.each([
    ['decisions', /at least one decision/, {}],
    ['decisions.a.options', /at least one option/, { a: { options: [] } }],
    ['decisions.a.options[2]', /duplicate option 'x'/, { a: { options: ['x', 'y', 'x'] } }],
    ['decisions.a.options[1]', /duplicate option '32'/, { a: { options: [32, '32'] } }],
    ['decisions.b.when.decision', /unknown decision 'c'/, { a: two, b: { options: [1, 2], when: { decision: 'c', in: [1] } } }],
    ['decisions.b.when.in[0]', /'z' is not an option of 'a'/, { a: two, b: { options: [1, 2], when: { decision: 'a', in: ['z'] } } }],
    [
      'decisions.a.when.decision',
      /cycle: a <- b <- a/,
      { r: two, a: { ...two, when: { decision: 'b', in: ['x'] } }, b: { ...two, when: { decision: 'a', in: ['x'] } } },
    ],
    ['decisions.a.when.decision', /cycle: a <- a/, { a: { ...two, when: { decision: 'a', in: ['x'] } } }],
    ['decisions.a.options[0]', /no spaces, commas or equals/, { a: { options: ['x y'] } }],
    ['decisions.1st', /a decision name is a letter/, { '1st': two }],
    ['decisions.a.params', /one number per option \(2\)/, { a: { ...two, params: [1] } }],
    ['decisions.a.size', /unknown field/, { a: { ...two, size: 3 } }],
    ['decisions', /only one architecture/, { a: { options: ['only'] }, b: { options: [1], when: { decision: 'a', in: ['only'] } } }],
    ['decisions', /at most 64 decisions/, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`d${i}`, two]))],
    ['decisions.a.options', /at most 256 options/, { a: { options: Array.from({ length: 257 }, (_, i) => i) } }],
  ])('rejects a declaration at %s (%s)', (field, message, decisions) => {
    const error = declarationError({ decisions });
    expect(error?.field).toBe(field);
    expect(error?.message).toMatch(message);
  });

  it('names the field inside a larger document when embedded as a schema', () => {
    const result = ChoicesDeclarationSchema.safeParse({ decisions: { a: { options: ['x'], when: { decision: 'nope', in: ['x'] } } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['decisions', 'a', 'when', 'decision']);
  });
});

describe('choices space', () => {
  it('formats active decisions in declaration order and parses both forms', () => {
    const arch = space.parse('width=32,layer1=conv5,layer2=conv5,kernel2=2');
    expect(arch).toEqual({ layer1: 'conv5', width: 32, layer2: 'conv5', kernel2: 2 });
    expect(space.format(arch)).toBe('layer1=conv5,width=32,layer2=conv5,kernel2=2');
    expect(space.toJSON(arch)).toEqual({ layer1: 'conv5', width: 32, layer2: 'conv5', kernel2: 2 });
    expect(space.format(space.parse('layer1=skip,width=16'))).toBe('layer1=skip,width=16');
    expect(space.graph(arch).nodes.map((node) => node.label)).toEqual(['layer1=conv5', 'width=32', 'layer2=conv5', 'kernel2=2']);
    expect(space.graph(arch).edges).toHaveLength(3);
  });

  it.each([
    ['layer1=conv3,width=32,depth=2', 'choices.decision'],
    ['layer1=conv3,width=48,layer2=conv3', 'choices.option'],
    ['layer1=conv3,width=32', 'choices.missing'],
    ['layer1=skip,width=32,layer2=conv3', 'choices.inactive'],
    ['layer1=conv3,width=32,layer2=conv3,kernel2=1', 'choices.inactive'],
    ['layer1=conv3,layer1=conv5,width=32,layer2=conv3', 'choices.format'],
    ['layer1=conv3;width=32', 'choices.format'],
    [{ layer1: 'skip', width: true }, 'choices.option'],
    [['layer1=skip'], 'choices.type'],
  ])('rejects %j naming rule %s', (value, rule) => {
    expect(ruleOf(space, value)).toBe(rule);
  });

  it('activates conditional decisions with their first option and drops deactivated ones', () => {
    const skip = space.parse('layer1=skip,width=64');
    const formats = space.neighbours(skip).map(space.format);
    expect(formats).toEqual([
      'layer1=conv3,width=64,layer2=conv3',
      'layer1=conv5,width=64,layer2=conv3',
      'layer1=skip,width=16',
      'layer1=skip,width=32',
    ]);
    const deep = space.parse('layer1=conv5,width=64,layer2=conv5,kernel2=2');
    const actionNamed = (label: string) => Array.from({ length: space.actionCount }, (_, i) => i).find((i) => space.actionLabel(i) === label)!;
    const set = (decision: string, value: string) => space.format(space.applyAction(deep, actionNamed(`${decision} := ${value}`)));
    expect(set('layer1', 'skip')).toBe('layer1=skip,width=64');
    expect(set('layer1', 'conv3')).toBe('layer1=conv3,width=64,layer2=conv5,kernel2=2');
    expect(set('layer2', 'conv3')).toBe('layer1=conv5,width=64,layer2=conv3');
    expect(() => space.applyAction(skip, 3 + 3)).toThrow(InvalidArchitecture);
  });

  it('encodes one-hot per decision with zeros for inactive ones, and sums declared per-option costs', () => {
    const arch = space.parse('layer1=conv5,width=16,layer2=conv3');
    expect(space.encode(arch, 'adjacency')).toEqual([0, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
    expect(space.encode(arch, 'path')).toEqual(space.encode(arch, 'adjacency'));
    expect(space.cost(arch)).toEqual({ params: 250 + 90, flops: 0 });
    expect(space.cost(space.parse('layer1=skip,width=16'))).toEqual({ params: 0, flops: 0 });
  });

  it('counts exactly the architectures that one-edit moves and sampling reach', () => {
    // layer1=skip: 3 widths; conv3/conv5: 3 widths x (layer2=conv3, or conv5 with 2 kernels).
    expect(countChoicesArchitectures(EXAMPLE)).toBe(3 + 2 * 3 * 3);
    expect(enumerate(EXAMPLE).size).toBe(21);
    const rng = Rng.fromSeed(3);
    const sampled = new Set(Array.from({ length: 2_000 }, () => space.canonical(space.sample(rng))));
    expect(sampled).toEqual(enumerate(EXAMPLE));

    const shared = {
      decisions: {
        a: { options: [1, 2, 3] },
        b: { options: ['x', 'y'] },
        c: { options: ['u', 'v'], when: { decision: 'a', in: [3] } },
        d: { options: ['p', 'q', 'r'], when: { decision: 'a', in: [2, 3] } },
      },
    };
    // (a=1 + a=2 with 3 d + a=3 with 2 c x 3 d) x 2 b
    expect(countChoicesArchitectures(shared)).toBe((1 + 3 + 6) * 2);
    expect(enumerate(shared).size).toBe(20);
    const binary = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`d${i}`, { options: [0, 1] }]));
    expect(countChoicesArchitectures({ decisions: binary })).toBe(2 ** 64);
  });
});
