import type { SearchRecord, TrialRecord } from '../search/records.js';
import { orientedScore, orientedScores } from '../search/summaries.js';
import { parentTrials } from '../search/warm-start.js';
import { resolveSpace } from '../spaces/registry.js';
import type { SearchSpace } from '../spaces/space.js';
import type { Store } from '../store/store.js';
import type { HistoryEntry } from '../strategies/strategy.js';

/**
 * What a strategy sees of one search, kept between ticks so that a tick never re-reads every trial
 * (issue #18). Strategies take the whole history (`propose(state, history, k)`: evolution draws its
 * population from the most recent finished entries, predictor-guided trains on every finished one, every
 * strategy skips what was proposed), so the controller keeps that history itself and brings it up to date
 * with the trials each tick changed. It is derived data: valid for exactly one version of the search
 * record, rebuilt from one full read of the trials whenever the record moved without this process (a
 * restart, another Lambda container, a stop request). Warm-start parents are read once per build.
 */
export class SearchHistory {
  readonly entries: HistoryEntry<unknown>[] = [];
  /** The trial number of each entry. */
  readonly numbers: number[] = [];
  readonly hashes = new Set<string>();
  /**
   * The canonical forms of `prior` and `entries`, the history a strategy is shown: handed to it as
   * `proposed`, kept here so that a proposal never rebuilds it from the whole history.
   */
  readonly proposed = new Set<string>();
  private readonly indexOf = new Map<number, number>();
  /** Finished trials of `IdenticalTask` parents, as history entries. */
  private priorEntries: HistoryEntry<unknown>[] = [];
  /** The parents' finished trials (warm start), read once. */
  inherited: { parent: SearchRecord; trials: TrialRecord[] }[] = [];

  constructor(
    readonly space: SearchSpace<unknown>,
    private readonly search: SearchRecord,
    /** The version of the search record this history matches. */
    public version: number,
    /** Whether the record's in-process batch at `version` is known to be written. */
    public batchWritten = false,
  ) {}

  /** Adds a new trial or brings a known one up to date (its status and scores changed). */
  record(trial: TrialRecord): void {
    const entry = historyEntry(this.space, this.search, trial);
    const index = this.indexOf.get(trial.number);
    if (index !== undefined) {
      this.entries[index] = { ...entry, arch: this.entries[index]!.arch };
      return;
    }
    this.indexOf.set(trial.number, this.entries.length);
    this.entries.push(entry);
    this.numbers.push(trial.number);
    this.hashes.add(trial.archHash);
    this.proposed.add(entry.canonical);
  }

  get prior(): readonly HistoryEntry<unknown>[] {
    return this.priorEntries;
  }

  /** Sets the parents' entries that lead the history, once, as the history is built. */
  inheritPrior(entries: HistoryEntry<unknown>[]): void {
    this.priorEntries = entries;
    for (const entry of entries) this.proposed.add(entry.canonical);
  }

  /** The number of the trial at `index` of `entries`. */
  trialNumberAt(index: number): number | undefined {
    return this.numbers[index];
  }
}

/** What a strategy sees of a trial, its objective values oriented so that larger is better. */
export function historyEntry(space: SearchSpace<unknown>, search: SearchRecord, trial: TrialRecord): HistoryEntry<unknown> {
  const arch = space.parse(trial.arch);
  const score = orientedScore(trial, search.spec.objectives[0]!);
  const scores = orientedScores(trial, search.spec.objectives);
  return { arch, canonical: space.canonical(arch), status: trial.status, ...(score === undefined ? {} : { score }), ...(scores ? { scores } : {}) };
}

/**
 * The histories of the searches this process ticks, most recently used kept (a bounded number, so that
 * memory stays flat however many searches pass through a long-lived controller).
 */
export class SearchHistories {
  private readonly histories = new Map<string, SearchHistory>();

  constructor(private readonly capacity = 256) {}

  /** The history of `search` if this process holds it at the record's version. */
  current(search: SearchRecord): SearchHistory | undefined {
    const key = keyOf(search);
    const history = this.histories.get(key);
    if (!history || history.version !== search.version) return undefined;
    this.histories.delete(key);
    this.histories.set(key, history);
    return history;
  }

  /** Builds the history of `search` from one full read of its trials (and its warm-start parents'). */
  async build(store: Store, search: SearchRecord): Promise<SearchHistory> {
    const space = resolveSpace(search.spec.space, search.spec.spaceConfig);
    const history = new SearchHistory(space, search, search.version, true);
    for (const trial of await store.allTrials(search.tenantId, search.id)) history.record(trial);
    const warmStart = search.spec.warmStart;
    if (warmStart) {
      history.inherited = await parentTrials(store, search);
      if (warmStart.type === 'IdenticalTask') {
        history.inheritPrior(history.inherited.flatMap(({ trials }) => trials.map((trial) => historyEntry(space, search, trial))));
      }
    }
    this.remember(search, history);
    return history;
  }

  /** Keeps `history` as the one of `search`, evicting the least recently used beyond capacity. */
  remember(search: SearchRecord, history: SearchHistory): void {
    const key = keyOf(search);
    this.histories.delete(key);
    this.histories.set(key, history);
    while (this.histories.size > this.capacity) this.histories.delete(this.histories.keys().next().value!);
  }

  forget(search: SearchRecord): void {
    this.histories.delete(keyOf(search));
  }
}

const keyOf = (search: SearchRecord) => `${search.tenantId}/${search.id}`;
