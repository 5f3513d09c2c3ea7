import { describe, expect, it } from 'vitest';
import { SPLIT_NAMES, type DataSplit } from '../../../src/training/datasets/dataset.js';
import { END_OF_DOCUMENT, UNKNOWN, sotuCorpus, sotuWords, tokenizeWords } from '../../../src/training/datasets/sotu-words.js';
import { sameBytes } from './same-bytes.js';

const build = (options: object = {}) => sotuWords.build(sotuWords.optionsSchema.parse(options));
const corpus = sotuCorpus();
const small = build({ vocabularySize: 1000, sequenceLength: 20 });

describe('sotu-words', () => {
  it('lower-cases words, keeps inner apostrophes and numbers, drops punctuation', () => {
    expect(tokenizeWords("The Nation's 1,000 ships—and U.S. ports; 3.5%.")).toEqual(['the', "nation's", '1,000', 'ships', 'and', 'u', 's', 'ports', '3.5']);
  });

  it('splits by whole address: 187/23/23, none in two splits, every era in each', () => {
    const key = (address: { year: number; name: string }) => `${address.year} ${address.name}`;
    const keys = SPLIT_NAMES.map((split) => corpus.addresses[split].map(key));
    expect(keys.map((k) => k.length)).toEqual([187, 23, 23]);
    expect(new Set(keys.flat()).size).toBe(233);
    for (const split of ['validation', 'test'] as const) {
      const years = corpus.addresses[split].map((address) => address.year);
      expect(Math.min(...years)).toBeLessThan(1830);
      expect(Math.max(...years)).toBeGreaterThan(1990);
    }
  });

  it('has a vocabulary of <unk>, <eos> and the most frequent training words, and every id within it', () => {
    const vocabulary = small.vocabulary!;
    expect(vocabulary).toHaveLength(1000);
    expect(small.classes).toBe(1000);
    expect(vocabulary.slice(0, 3)).toEqual([UNKNOWN, END_OF_DOCUMENT, 'the']);
    expect(new Set(vocabulary).size).toBe(1000);
    for (const split of SPLIT_NAMES) {
      expect(small[split].x.every((id) => id >= 0 && id < 1000)).toBe(true);
      expect(small[split].y.every((id) => id >= 0 && id < 1000)).toBe(true);
    }
  });

  it("holds each split's own addresses, words outside the vocabulary as <unk>, <eos> after each address", () => {
    const ids = new Map(small.vocabulary!.map((word, id) => [word, id]));
    const trainingWords = new Set(corpus.addresses.train.flatMap((address) => Array.from(address.words, (word) => corpus.lexicon[word]!)));
    let unseenInTraining = 0;
    for (const split of SPLIT_NAMES) {
      const expected = Int32Array.from(
        corpus.addresses[split].flatMap((address) => [...Array.from(address.words, (word) => corpus.lexicon[word]!), END_OF_DOCUMENT]),
        (word) => {
          if (split !== 'train' && word !== END_OF_DOCUMENT && !trainingWords.has(word)) unseenInTraining++;
          return ids.get(word) ?? 0;
        },
      );
      const { x, y, count } = small[split];
      expect(sameBytes(x, expected.subarray(0, count * 20))).toBe(true);
      expect(sameBytes(y, expected.subarray(1, count * 20 + 1))).toBe(true);
      expect(expected.length - count * 20).toBeLessThanOrEqual(20);
    }
    expect(unseenInTraining).toBeGreaterThan(0);
  });

  it('targets the next word: y is x shifted by one step, across window boundaries too', () => {
    const { x, y, count } = small.validation;
    expect(x.length).toBe(count * 20);
    expect(sameBytes(x.subarray(1), y.subarray(0, y.length - 1))).toBe(true);
  });

  it('maps fewer words to <unk> as the vocabulary grows', () => {
    const unknownRate = (split: DataSplit) => split.y.filter((id) => id === 0).length / split.y.length;
    const full = build();
    expect(full.classes).toBe(10_000);
    expect(unknownRate(full.validation)).toBeLessThan(unknownRate(small.validation));
    expect(unknownRate(small.validation)).toBeLessThan(unknownRate(build({ vocabularySize: 50 }).validation));
  });

  it('keeps a subset of training windows spread evenly over the text, and every validation and test window', () => {
    const subset = build({ vocabularySize: 1000, sequenceLength: 20, trainWindows: 100 });
    expect(subset.train.count).toBe(100);
    const window = (split: DataSplit, k: number) => [split.x.subarray(k * 20, (k + 1) * 20), split.y.subarray(k * 20, (k + 1) * 20)];
    // Window k of the subset is window k/100 of the way through the text: the last comes from its last hundredth.
    for (const k of [0, 1, 37, 99]) {
      const [x, y] = window(subset.train, k);
      const [fullX, fullY] = window(small.train, Math.floor((k * small.train.count) / 100));
      expect(sameBytes(x!, fullX!) && sameBytes(y!, fullY!)).toBe(true);
    }
    for (const split of ['validation', 'test'] as const) expect(sameBytes(subset[split].x, small[split].x)).toBe(true);
    expect(build({ vocabularySize: 1000, sequenceLength: 20, trainWindows: 10 ** 9 }).train.count).toBe(small.train.count);
  });

  it('builds the same bytes every time', () => {
    const again = build({ vocabularySize: 1000, sequenceLength: 20 });
    expect(again.vocabulary).toEqual(small.vocabulary);
    for (const split of SPLIT_NAMES) expect(sameBytes(again[split].x, small[split].x) && sameBytes(again[split].y, small[split].y)).toBe(true);
  });
});
