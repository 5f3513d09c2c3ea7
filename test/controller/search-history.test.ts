import { describe, expect, it } from 'vitest';
import { SearchHistory, historyEntry } from '../../src/controller/search-history.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import type { SearchSpace } from '../../src/spaces/space.js';
import { newSearch, newTrial } from '../helpers/records.js';

const space = nb201Space as SearchSpace<unknown>;
const search = newSearch('s-1');
const canonicalOf = (arch: string) => space.canonical(space.parse(arch));
const ARCHS = ['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|'];

describe('search history', () => {
  it('keeps the canonical forms a strategy must not propose again: the parents’ entries and every trial, once', () => {
    const history = new SearchHistory(space, search, search.version);
    const parent = historyEntry(space, search, newTrial('parent', 1, { arch: ARCHS[1]!, status: 'SUCCEEDED' }));
    history.inheritPrior([parent]);
    history.record(newTrial('s-1', 1, { arch: ARCHS[0]! }));
    history.record(newTrial('s-1', 1, { arch: ARCHS[0]!, status: 'RUNNING' }));
    expect(history.entries).toHaveLength(1);
    expect(history.entries[0]!.status).toBe('RUNNING');
    expect([...history.proposed].sort()).toEqual(ARCHS.map(canonicalOf).sort());
  });
});
