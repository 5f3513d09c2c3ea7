import { z } from 'zod';
import { InvalidArchitecture, InvalidRequest } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { issueFields } from '../search/issue-fields.js';
import type { ArchitectureCost, SearchSpace } from './space.js';

export const MAX_DECISIONS = 64;
export const MAX_OPTIONS = 256;

// A leading letter keeps names from looking like integers (JavaScript lists integer keys first, which
// would reorder decisions) and from being `__proto__`.
const DECISION_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
// The compact form separates decisions by ',' and names from values by '='.
const OPTION_TOKEN = /^[^\s,=]{1,100}$/;

const OptionSchema = z.union([
  z.string().regex(OPTION_TOKEN, 'a string option has 1 to 100 characters and no spaces, commas or equals signs'),
  z.number(),
]);

const DecisionSchema = z.strictObject({
  options: z.array(OptionSchema).min(1, 'give at least one option').max(MAX_OPTIONS, `give at most ${MAX_OPTIONS} options`),
  /** The decision is active only while `decision` is active and has one of the values `in`. */
  when: z.strictObject({ decision: z.string(), in: z.array(OptionSchema).min(1, 'give at least one value') }).optional(),
  /** Trainable parameters each option adds, aligned with `options`; `cost` sums them over active choices. */
  params: z.array(z.int().min(0)).optional(),
  /** Multiply-accumulates each option adds, aligned with `options`. */
  flops: z.array(z.number().min(0)).optional(),
});

type DecisionDeclaration = z.output<typeof DecisionSchema>;
interface DeclarationShape {
  readonly decisions: Readonly<Record<string, DecisionDeclaration>>;
}
export type ChoiceValue = z.output<typeof OptionSchema>;

/** Decision names along `when` links from `name` until a decision without one, or until a name repeats. */
function conditionChain(decisions: DeclarationShape['decisions'], name: string): string[] {
  const chain = [name];
  let parent = decisions[name]?.when?.decision;
  while (parent !== undefined && Object.hasOwn(decisions, parent)) {
    chain.push(parent);
    if (chain.indexOf(parent) < chain.length - 1) break;
    parent = decisions[parent]!.when?.decision;
  }
  return chain;
}

function checkDeclaration({ decisions }: DeclarationShape, ctx: z.RefinementCtx): void {
  const names = Object.keys(decisions);
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: ['decisions', ...path], message });
  if (names.length === 0) issue([], 'declare at least one decision');
  if (names.length > MAX_DECISIONS) issue([], `declare at most ${MAX_DECISIONS} decisions, got ${names.length}`);
  const inCycle = new Set<string>();
  for (const [name, decision] of Object.entries(decisions)) {
    const tokens = decision.options.map(String);
    tokens.forEach((token, i) => {
      if (tokens.indexOf(token) < i) issue([name, 'options', i], `duplicate option '${token}'`);
    });
    for (const key of ['params', 'flops'] as const) {
      const costs = decision[key];
      if (costs && costs.length !== tokens.length) issue([name, key], `give one number per option (${tokens.length}), got ${costs.length}`);
    }
    if (!decision.when) continue;
    const parent = Object.hasOwn(decisions, decision.when.decision) ? decisions[decision.when.decision] : undefined;
    if (!parent) {
      issue([name, 'when', 'decision'], `unknown decision '${decision.when.decision}' (one of ${names.join(', ')})`);
      continue;
    }
    const parentTokens = parent.options.map(String);
    const parentName = decision.when.decision;
    decision.when.in.forEach((value, i) => {
      if (!parentTokens.includes(String(value))) issue([name, 'when', 'in', i], `'${value}' is not an option of '${parentName}'`);
    });
    const chain = conditionChain(decisions, name);
    if (chain.at(-1) === name && !inCycle.has(name)) {
      chain.forEach((member) => inCycle.add(member));
      issue([name, 'when', 'decision'], `conditions form a cycle: ${chain.join(' <- ')}`);
    }
  }
}

/**
 * A search space declared in the search request: named categorical decisions, each a list of string or
 * number options, optionally active only when another decision has one of some values.
 *
 * Options are identified by their string form everywhere (the compact string, `when.in`, the JSON
 * architecture), so `32` and `"32"` are the same option and may not both be declared. A declaration
 * must allow at least two architectures; that also guarantees every architecture has a neighbour.
 *
 * @example
 * {"decisions": {
 *   "layer1": {"options": ["conv3", "conv5", "skip"]},
 *   "width": {"options": [16, 32, 64]},
 *   "layer2": {"options": ["conv3", "conv5"], "when": {"decision": "layer1", "in": ["conv3", "conv5"]}}}}
 */
export const ChoicesDeclarationSchema = z
  .strictObject({
    decisions: z.record(z.string().regex(DECISION_NAME), DecisionSchema, {
      // zod would say only "Invalid key in record".
      error: (issue) => (issue.code === 'invalid_key' ? 'a decision name is a letter then up to 63 letters, digits, _, . or -' : undefined),
    }),
  })
  .superRefine(checkDeclaration, { when: (payload) => payload.issues.length === 0 })
  .superRefine(
    (declaration, ctx) => {
      if (countDecided(compile(declaration)) < 2) {
        const message = 'the declaration allows only one architecture: give a decision a second option';
        ctx.addIssue({ code: 'custom', path: ['decisions'], message });
      }
    },
    { when: (payload) => payload.issues.length === 0 },
  );

export type ChoicesDeclarationInput = z.input<typeof ChoicesDeclarationSchema>;
export type ChoicesDeclaration = z.output<typeof ChoicesDeclarationSchema>;

/** The value of every active decision, in declaration order; inactive decisions have no key. */
export type ChoicesArch = Readonly<Record<string, ChoiceValue>>;

interface Decision {
  readonly name: string;
  readonly options: readonly ChoiceValue[];
  readonly tokens: readonly string[];
  readonly when: { readonly parent: string; readonly tokens: ReadonlySet<string> } | undefined;
  readonly params: readonly number[] | undefined;
  readonly flops: readonly number[] | undefined;
}

interface Compiled {
  /** In declaration order: the order of the compact form, the encodings and the graph. */
  readonly decisions: readonly Decision[];
  /** Every decision after the one its `when` names, so activity resolves in one pass. */
  readonly resolveOrder: readonly Decision[];
}

function compile({ decisions }: DeclarationShape): Compiled {
  const list = Object.entries(decisions).map(([name, d]): Decision => ({
    name,
    options: d.options,
    tokens: d.options.map(String),
    when: d.when && { parent: d.when.decision, tokens: new Set(d.when.in.map(String)) },
    params: d.params,
    flops: d.flops,
  }));
  const byName = new Map(list.map((d) => [d.name, d]));
  const resolveOrder: Decision[] = [];
  const place = (d: Decision): void => {
    if (resolveOrder.includes(d)) return;
    if (d.when) place(byName.get(d.when.parent)!);
    resolveOrder.push(d);
  };
  list.forEach(place);
  return { decisions: list, resolveOrder };
}

/**
 * Architectures of a compiled declaration: for a decision, the sum over its options of the product of the
 * counts of the decisions that option activates; for the space, the product over unconditional decisions.
 */
function countDecided({ decisions, resolveOrder }: Compiled): number {
  const counts = new Map<string, number>();
  for (const d of [...resolveOrder].reverse()) {
    const children = decisions.filter((child) => child.when?.parent === d.name);
    const perOption = d.tokens.map((token) =>
      children.reduce((product, child) => (child.when!.tokens.has(token) ? product * counts.get(child.name)! : product), 1),
    );
    counts.set(d.name, perOption.reduce((sum, n) => sum + n, 0));
  }
  return decisions.reduce((product, d) => (d.when ? product : product * counts.get(d.name)!), 1);
}

/** Validates a declaration; throws `InvalidRequest` naming the field within it (`decisions.layer2.when.decision`). */
export function parseChoicesDeclaration(declaration: unknown): ChoicesDeclaration {
  const result = ChoicesDeclarationSchema.safeParse(declaration);
  if (!result.success) {
    const [first] = issueFields(result.error);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return result.data;
}

/**
 * How many architectures a declaration allows, for "search space exhausted" reasoning. Exact up to
 * `Number.MAX_SAFE_INTEGER`; beyond that no search budget comes close anyway.
 */
export function countChoicesArchitectures(declaration: ChoicesDeclarationInput): number {
  return countDecided(compile(parseChoicesDeclaration(declaration)));
}

const invalid = (rule: string, message: string) => new InvalidArchitecture(`choices.${rule}`, message);

/**
 * The space of a declaration (see `ChoicesDeclarationSchema`); throws `InvalidRequest` for an invalid one.
 *
 * Compact form `layer1=conv3,width=32,layer2=conv5`: active decisions in declaration order; canonical
 * form: the same. JSON form: the `ChoicesArch` object.
 *
 * Edits: action `set d := o` for every declared (decision, option) pair, legal when `d` is active and has
 * another value. After the change, decisions that became active take their first option and decisions
 * that became inactive are dropped, so an edit changes one choice plus what its conditions force.
 *
 * Encodings: both kinds are a one-hot of each decision's option (all zeros while inactive). There is no
 * graph of operations here, so no paths to encode; `path` repeats `adjacency` to keep predictors that ask
 * for it working.
 */
export function createChoicesSpace(declaration: ChoicesDeclarationInput): SearchSpace<ChoicesArch> {
  const compiled = compile(parseChoicesDeclaration(declaration));
  const { decisions, resolveOrder } = compiled;
  const byName = new Map(decisions.map((d) => [d.name, d]));

  /** The architecture that keeps `values` for decisions still active and gives newly active ones `fill(d)`. */
  function resolve(values: Readonly<Record<string, ChoiceValue>>, fill: (d: Decision) => ChoiceValue): ChoicesArch {
    const resolved = new Map<string, ChoiceValue>();
    for (const d of resolveOrder) {
      const parent = d.when && resolved.get(d.when.parent);
      if (d.when && (parent === undefined || !d.when.tokens.has(String(parent)))) continue;
      resolved.set(d.name, Object.hasOwn(values, d.name) ? values[d.name]! : fill(d));
    }
    return Object.fromEntries(decisions.flatMap((d) => (resolved.has(d.name) ? [[d.name, resolved.get(d.name)!]] : [])));
  }

  function option(d: Decision, token: string): ChoiceValue {
    const index = d.tokens.indexOf(token);
    if (index < 0) throw invalid('option', `'${token}' is not an option of '${d.name}' (one of ${d.tokens.join(', ')})`);
    return d.options[index]!;
  }

  function fromEntries(entries: readonly (readonly [string, string])[]): ChoicesArch {
    const values: Record<string, ChoiceValue> = {};
    for (const [name, token] of entries) {
      const d = byName.get(name);
      if (!d) throw invalid('decision', `unknown decision '${name}' (one of ${[...byName.keys()].join(', ')})`);
      if (Object.hasOwn(values, name)) throw invalid('format', `decision '${name}' is given twice`);
      values[name] = option(d, token);
    }
    const arch = resolve(values, (d) => {
      throw invalid('missing', `decision '${d.name}' is active but has no value`);
    });
    const inactive = Object.keys(values).find((name) => !Object.hasOwn(arch, name));
    if (inactive !== undefined) throw invalid('inactive', `decision '${inactive}' is inactive here, so it takes no value`);
    return arch;
  }

  function parse(value: unknown): ChoicesArch {
    if (typeof value === 'string') {
      return fromEntries(
        value.split(',').map((part) => {
          const match = /^([^=]+)=([^=]+)$/.exec(part);
          if (!match) throw invalid('format', `expected 'decision=option' pairs joined by ',', got '${value}'`);
          return [match[1]!, match[2]!] as const;
        }),
      );
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return fromEntries(
        Object.entries(value).map(([name, option]) => {
          if (typeof option !== 'string' && typeof option !== 'number') {
            throw invalid('option', `decision '${name}' must be a string or a number, got ${JSON.stringify(option)}`);
          }
          return [name, String(option)] as const;
        }),
      );
    }
    throw invalid('type', `expected 'decision=option,...' or an object of decision values, got ${JSON.stringify(value)}`);
  }

  // Declaration order rather than key order, so an architecture built by hand formats canonically too.
  const active = (arch: ChoicesArch) => decisions.filter((d) => Object.hasOwn(arch, d.name));
  const choice = (arch: ChoicesArch, d: Decision) => `${d.name}=${String(arch[d.name])}`;
  const format = (arch: ChoicesArch) => active(arch).map((d) => choice(arch, d)).join(',');
  const actions = decisions.flatMap((d) => d.options.map((value) => ({ d, value })));
  type Action = (typeof actions)[number];
  const isLegal = (arch: ChoicesArch, { d, value }: Action) => Object.hasOwn(arch, d.name) && arch[d.name] !== value;
  const apply = (arch: ChoicesArch, { d, value }: Action) => resolve({ ...arch, [d.name]: value }, (newly) => newly.options[0]!);
  const neighbours = (arch: ChoicesArch) => actions.filter((action) => isLegal(arch, action)).map((action) => apply(arch, action));
  const oneHot = (arch: ChoicesArch) => decisions.flatMap((d) => d.options.map((value) => (arch[d.name] === value ? 1 : 0)));
  const sumOver = (arch: ChoicesArch, costs: (d: Decision) => readonly number[] | undefined) =>
    active(arch).reduce((sum, d) => sum + (costs(d)?.[d.options.indexOf(arch[d.name]!)] ?? 0), 0);

  return {
    name: 'choices',
    description: `declared choices: ${decisions.length} decisions, ${countDecided(compiled)} architectures`,
    // Each active decision uniformly, parents first; uniform over architectures would need the counts.
    sample: (rng: Rng) => resolve({}, (d) => rng.pick(d.options)),
    parse,
    format,
    toJSON: (arch) => ({ ...arch }),
    canonical: format,
    cost: (arch): ArchitectureCost => ({ params: sumOver(arch, (d) => d.params), flops: sumOver(arch, (d) => d.flops) }),
    neighbours,
    mutate: (arch, rng) => rng.pick(neighbours(arch)),
    actionCount: actions.length,
    actionLabel(action) {
      const move = actions[action];
      if (!move) throw new RangeError(`no action ${action} (this space has ${actions.length})`);
      return `${move.d.name} := ${String(move.value)}`;
    },
    legalActions: (arch) => actions.map((action) => isLegal(arch, action)),
    applyAction(arch, action) {
      const move = actions[action];
      if (!move || !isLegal(arch, move)) throw invalid('action', `action ${action} is not legal here`);
      return apply(arch, move);
    },
    encode: oneHot,
    encodingLength: () => actions.length,
    graph(arch) {
      const nodes = active(arch).map((d) => ({ id: d.name, label: choice(arch, d) }));
      return { nodes, edges: nodes.slice(1).map((node, i) => ({ from: nodes[i]!.id, to: node.id })) };
    },
  };
}
