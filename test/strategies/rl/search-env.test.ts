import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../../src/spaces/nb201.js';
import { CONTEXT_SIZE, observationLayout } from '../../../src/strategies/rl/observation.js';
import { cachedOracle, Episode, estimateScoreScale } from '../../../src/strategies/rl/search-env.js';

const convolutions = (cell: Nb201Cell) => cell.filter((op) => op.startsWith('nor_conv')).length;

describe('search environment', () => {
  it('asks the oracle once per architecture', async () => {
    const asked: string[] = [];
    const oracle = cachedOracle(nb201Space, async (cells: readonly Nb201Cell[]) => {
      asked.push(...cells.map(nb201Space.format));
      return cells.map(convolutions);
    });
    const cell = nb201Space.sample(Rng.fromSeed(1));
    expect(await oracle([cell, cell])).toEqual([convolutions(cell), convolutions(cell)]);
    expect(await oracle([cell])).toEqual([convolutions(cell)]);
    expect(asked).toEqual([nb201Space.format(cell)]);
  });

  it('estimates the score scale from random architectures, repeatably for a seed', async () => {
    const oracle = async (cells: readonly Nb201Cell[]) => cells.map(convolutions);
    const scale = await estimateScoreScale(nb201Space, oracle, 200, Rng.fromSeed(2));
    // Each of 6 edges is a convolution with probability 2/5: mean 2.4, std 1.2.
    expect(scale.mean).toBeCloseTo(2.4, 0);
    expect(scale.std).toBeCloseTo(1.2, 0);
    expect(await estimateScoreScale(nb201Space, oracle, 200, Rng.fromSeed(2))).toEqual(scale);
  });

  it('rewards the normalised score reached and tracks steps left and the best score in the context', () => {
    const start = nb201Space.parse('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    const episode = new Episode(nb201Space, { mean: 2, std: 2 }, 2, start, 0);
    const layout = observationLayout(nb201Space);
    const context = () => Array.from(episode.observation().features.slice(layout.tokens * layout.tokenWidth));
    expect(context()).toEqual([1, -1, -1]);
    expect(episode.observation().features).toHaveLength(layout.tokens * layout.tokenWidth + CONTEXT_SIZE);

    const better = nb201Space.applyAction(start, 3); // edge 0->1 := nor_conv_3x3
    expect(episode.advance(better, 6)).toBe(2);
    expect(context()).toEqual([0.5, 2, 2]);
    expect(episode.advance(start, 0)).toBe(-1);
    expect(context()).toEqual([0, 2, -1]);
    expect(episode.done).toBe(true);
  });
});
