import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { importCycles, importGraph, reachableFrom } from './import-graph.js';
import { LAYERS, layerOf } from './layers.js';

const graph = importGraph(['src', 'functions', 'batch']);
const isProjectFile = (target: string) => graph.has(target);

describe('the dependency rule (docs/architecture.md#layers)', () => {
  it('knows the layer of every module', () => {
    expect(graph.size).toBeGreaterThan(100);
    for (const file of graph.keys()) expect(() => layerOf(file)).not.toThrow();
  });

  it('has no import (type imports included) from a layer to a later one', () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter(isProjectFile).filter((to) => layerOf(to) > layerOf(from)).map((to) => `${from} (${LAYERS[layerOf(from)]!.name}) imports ${to} (${LAYERS[layerOf(to)]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks can fail)', () => {
    const broken = new Map([
      ['src/search/spec.ts', ['src/strategies/registry.ts']],
      ['src/strategies/registry.ts', ['src/search/spec.ts']],
    ]);
    expect(importCycles(broken)).toEqual([['src/search/spec.ts', 'src/strategies/registry.ts']]);
    expect(layerOf('src/strategies/registry.ts')).toBeGreaterThan(layerOf('src/search/spec.ts'));
  });

  it('validates a search spec without loading any space, strategy or TensorFlow.js', () => {
    const loaded = [...reachableFrom(graph, 'src/search/spec.ts')];
    expect(loaded.filter((target) => /^src\/(spaces|strategies|predictors|training|evaluators)\//.test(target) || target.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('selects TensorFlow.js backends in one module, and never at import time', () => {
    const selecting = [...graph.keys()].filter((file) => /\btf\.(setBackend|enableProdMode)\(/.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')));
    expect(selecting).toEqual(['src/training/backend.ts']);
    const topLevelAwait = [...graph.keys()].filter((file) => /^await /m.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')) && reachableFrom(graph, file).has('@tensorflow/tfjs'));
    // Entry points (the service, the CLI) may await at their top; no module a library user imports does.
    expect(topLevelAwait.filter((file) => !/^(src\/local\/main|src\/cli\/main|batch\/job)\.ts$/.test(file))).toEqual([]);
  });
});
