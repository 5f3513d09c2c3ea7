import { InvalidArchitecture } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { ArchitectureCost, SearchSpace } from './space.js';

/** A field value of a layer: a unit count, an operation name, a dropout rate, a pooling flag. */
export type LayerValue = string | number | boolean;

/** A chain of layers from input to output; the structured JSON form is exactly this object. */
export interface LayerChainArch<L> {
  readonly layers: readonly L[];
}

/** What makes a chain space (the MLP and CNN spaces) different from another. */
export interface LayerChainConfig<L extends Record<keyof L, LayerValue>> {
  /** Space name; also the prefix of every `InvalidArchitecture` rule (`mlp.units`). */
  readonly name: string;
  readonly description: string;
  /** Each field's allowed values. Key order is the argument order of a layer in the compact form. */
  readonly fields: { readonly [K in keyof L]: readonly L[K][] };
  /** Compact-form tokens for values whose `String(value)` reads badly (booleans), aligned with `fields`. */
  readonly tokens?: { readonly [K in keyof L]?: readonly string[] };
  /**
   * The name in front of a layer's arguments, `dense(128,relu,0)`; without it the first field's token is
   * the name, `conv3x3(32,pool)`.
   */
  readonly layerName?: string;
  /** The layer an insert action adds; every other variant is then one `set` action away. */
  readonly defaultLayer: L;
  readonly maxLayers: number;
  /** The fixed nodes after the searched layers in `graph` (pooling, classifier). */
  readonly head: readonly { readonly id: string; readonly label: string }[];
  readonly cost: (arch: LayerChainArch<L>) => ArchitectureCost;
}

interface Field {
  readonly key: string;
  readonly values: readonly LayerValue[];
  readonly tokens: readonly string[];
}

type Action =
  | { readonly kind: 'set'; readonly layer: number; readonly field: Field; readonly value: LayerValue }
  | { readonly kind: 'insert'; readonly at: number }
  | { readonly kind: 'remove'; readonly layer: number };

const LAYER_FORM = /^([^(),>]+)\(([^()]*)\)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A macro space of 1..`maxLayers` layers in a chain, each layer a record of categorical fields.
 *
 * Compact form: layers joined by `>`, each `name(arg,...)`. Canonical form: the compact form; two chains
 * compute the same function only if they are the same chain, so nothing needs merging.
 *
 * Edit actions, a fixed set: `set layer i field := value` (i < maxLayers, every field and value),
 * `insert <defaultLayer> at i` (i < maxLayers) and `remove layer i` (never below one layer). Inserting a
 * default layer rather than every variant keeps the action set small; a variant is one more `set` away.
 * Different actions may reach the same chain (removing either of two equal layers), so `neighbours` is
 * the legal actions' results without repeats.
 *
 * Encodings: `adjacency` has, per layer slot, an "absent" flag and a one-hot per field. `path` is the
 * same vector: a chain has exactly one input-to-output path, labelled by the whole layer sequence, so the
 * BANANAS path one-hot would have one bit per possible chain (13 M for the MLP space) with one bit set;
 * the per-slot one-hot is that same information factored into a vector a predictor can learn from.
 */
export function createLayerChainSpace<L extends Record<keyof L, LayerValue>>(
  config: LayerChainConfig<L>,
): SearchSpace<LayerChainArch<L>> {
  const { name, maxLayers, layerName } = config;
  const tokens: Partial<Record<string, readonly string[]>> = config.tokens ?? {};
  const fields: readonly Field[] = Object.entries<readonly LayerValue[]>(config.fields).map(([key, values]) => ({
    key,
    values,
    tokens: tokens[key] ?? values.map(String),
  }));
  const invalid = (rule: string, message: string) => new InvalidArchitecture(`${name}.${rule}`, message);
  const valueOf = (layer: L, field: Field): LayerValue => layer[field.key as keyof L];
  const tokenOf = (layer: L, field: Field) => field.tokens[field.values.indexOf(valueOf(layer, field))]!;
  const withValue = (layer: L, field: Field, value: LayerValue) => ({ ...layer, [field.key]: value });
  const fieldNames = fields.map((field) => field.key).join(', ');

  function formatLayer(layer: L): string {
    const args = fields.map((field) => tokenOf(layer, field));
    return layerName === undefined ? `${args[0]}(${args.slice(1).join(',')})` : `${layerName}(${args.join(',')})`;
  }
  const format = (arch: LayerChainArch<L>) => arch.layers.map(formatLayer).join('>');

  function layerFromValues(values: (field: Field) => LayerValue): L {
    return Object.fromEntries(fields.map((field) => [field.key, values(field)])) as L;
  }

  function parseLayerString(text: string): L {
    const match = LAYER_FORM.exec(text);
    if (!match) {
      throw invalid('format', `expected layers like '${formatLayer(config.defaultLayer)}' joined by '>', got '${text}'`);
    }
    const [, head = '', rest = ''] = match;
    if (layerName !== undefined && head !== layerName) {
      throw invalid('layer', `unknown layer '${head}' in '${text}' (expected ${layerName})`);
    }
    const args = [...(layerName === undefined ? [head] : []), ...rest.split(',')];
    if (args.length !== fields.length) throw invalid('layer', `'${text}' must give ${fieldNames}`);
    return layerFromValues((field) => {
      const token = args[fields.indexOf(field)]!;
      const index = field.tokens.indexOf(token);
      if (index < 0) throw invalid(field.key, `unknown ${field.key} '${token}' in '${text}' (one of ${field.tokens.join(', ')})`);
      return field.values[index]!;
    });
  }

  function parseLayerJson(value: unknown, index: number): L {
    if (!isRecord(value)) throw invalid('layer', `layer ${index} must be an object with ${fieldNames}`);
    const unknownKeys = Object.keys(value).filter((key) => !fields.some((field) => field.key === key));
    if (unknownKeys.length > 0) throw invalid('layer', `layer ${index} has unknown field(s) ${unknownKeys.join(', ')}`);
    return layerFromValues((field) => {
      const received = value[field.key];
      if (!field.values.includes(received as LayerValue)) {
        throw invalid(field.key, `layer ${index}: ${field.key} must be one of ${field.values.join(', ')}, got ${JSON.stringify(received)}`);
      }
      return received as LayerValue;
    });
  }

  function chain<T>(raw: readonly T[], parseLayer: (layer: T, index: number) => L): LayerChainArch<L> {
    if (raw.length < 1 || raw.length > maxLayers) {
      throw invalid('layers', `${name} architectures have 1 to ${maxLayers} layers, got ${raw.length}`);
    }
    return { layers: raw.map(parseLayer) };
  }

  function parse(value: unknown): LayerChainArch<L> {
    if (typeof value === 'string') return chain(value.split('>'), parseLayerString);
    if (isRecord(value) && Array.isArray(value.layers) && Object.keys(value).length === 1) return chain(value.layers, parseLayerJson);
    throw invalid('type', `expected the compact string ('${formatLayer(config.defaultLayer)}>...') or {"layers": [...]}`);
  }

  const slots = Array.from({ length: maxLayers }, (_, i) => i);
  const actions: readonly Action[] = [
    ...slots.flatMap((layer) =>
      fields.flatMap((field) => field.values.map((value): Action => ({ kind: 'set', layer, field, value }))),
    ),
    ...slots.map((at): Action => ({ kind: 'insert', at })),
    ...slots.map((layer): Action => ({ kind: 'remove', layer })),
  ];

  function isLegal({ layers }: LayerChainArch<L>, action: Action): boolean {
    switch (action.kind) {
      case 'set':
        return action.layer < layers.length && valueOf(layers[action.layer]!, action.field) !== action.value;
      case 'insert':
        return layers.length < maxLayers && action.at <= layers.length;
      case 'remove':
        return layers.length > 1 && action.layer < layers.length;
    }
  }

  function apply({ layers }: LayerChainArch<L>, action: Action): LayerChainArch<L> {
    switch (action.kind) {
      case 'set':
        return { layers: layers.map((layer, i) => (i === action.layer ? withValue(layer, action.field, action.value) : layer)) };
      case 'insert':
        return { layers: [...layers.slice(0, action.at), { ...config.defaultLayer }, ...layers.slice(action.at)] };
      case 'remove':
        return { layers: layers.filter((_, i) => i !== action.layer) };
    }
  }

  function neighbours(arch: LayerChainArch<L>): LayerChainArch<L>[] {
    const reached = new Map<string, LayerChainArch<L>>();
    for (const action of actions) {
      if (!isLegal(arch, action)) continue;
      const next = apply(arch, action);
      reached.set(format(next), next);
    }
    return [...reached.values()];
  }

  const oneHot = (arch: LayerChainArch<L>) =>
    slots.flatMap((slot) => {
      const layer = arch.layers[slot];
      return [
        layer === undefined ? 1 : 0,
        ...fields.flatMap((field) => field.values.map((value) => (layer !== undefined && valueOf(layer, field) === value ? 1 : 0))),
      ];
    });
  const encodingLength = maxLayers * (1 + fields.reduce((sum, field) => sum + field.values.length, 0));

  return {
    name,
    description: config.description,
    // Depth first, then each field uniformly: uniform over chains would almost never draw a shallow one.
    sample: (rng: Rng) => ({
      layers: Array.from({ length: rng.int(1, maxLayers) }, () => layerFromValues((field) => rng.pick(field.values))),
    }),
    parse,
    format,
    toJSON: (arch) => ({ layers: arch.layers.map((layer) => ({ ...layer })) }),
    canonical: format,
    cost: config.cost,
    neighbours,
    mutate: (arch, rng) => rng.pick(neighbours(arch)),
    actionCount: actions.length,
    actionLabel(action) {
      const move = actions[action];
      if (!move) throw new RangeError(`no action ${action} (${name} has ${actions.length})`);
      switch (move.kind) {
        case 'set':
          return `layer ${move.layer} ${move.field.key} := ${move.field.tokens[move.field.values.indexOf(move.value)]}`;
        case 'insert':
          return `insert ${formatLayer(config.defaultLayer)} at ${move.at}`;
        case 'remove':
          return `remove layer ${move.layer}`;
      }
    },
    legalActions: (arch) => actions.map((action) => isLegal(arch, action)),
    applyAction(arch, action) {
      const move = actions[action];
      if (!move || !isLegal(arch, move)) throw invalid('action', `action ${action} is not legal here`);
      return apply(arch, move);
    },
    encode: oneHot,
    encodingLength: () => encodingLength,
    graph: (arch) => {
      const nodes = [
        { id: 'input', label: 'input' },
        ...arch.layers.map((layer, i) => ({ id: `layer${i}`, label: formatLayer(layer) })),
        ...config.head,
      ];
      return { nodes, edges: nodes.slice(1).map((node, i) => ({ from: nodes[i]!.id, to: node.id })) };
    },
  };
}
