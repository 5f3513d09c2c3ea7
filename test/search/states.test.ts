import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Conflict, InvalidTransition } from '../../src/errors.js';
import {
  ACTIVE_SEARCH_STATUSES,
  ACTIVE_TRIAL_STATUSES,
  INITIAL_SEARCH_STATUS,
  INITIAL_TRIAL_STATUS,
  moveSearch,
  SEARCH_STATUSES,
  SEARCH_TRANSITIONS,
  TRIAL_STATUSES,
  TRIAL_TRANSITIONS,
  type SearchStatus,
  type Transition,
} from '../../src/search/states.js';

type Table<S extends string> = Readonly<Record<string, Transition<S>>>;

/** Every `FROM -> TO` the table allows, whichever transition makes it. */
function edges<S extends string>(table: Table<S>): string[] {
  const all = Object.values(table).flatMap(({ from, to }) => from.map((status) => `${status} -> ${to}`));
  return [...new Set(all)].sort();
}

/** The statuses reachable from `initial` through the table. */
function reachable<S extends string>(table: Table<S>, initial: S): Set<S> {
  const seen = new Set<S>([initial]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { from, to } of Object.values(table)) {
      if (!seen.has(to) && from.some((status) => seen.has(status))) {
        seen.add(to);
        grew = true;
      }
    }
  }
  return seen;
}

/** The lines of the mermaid state diagram the table draws: the start, then one per transition and status it leaves. */
function diagram<S extends string>(table: Table<S>, initial: S): string[] {
  const lines = Object.entries(table).flatMap(([name, { from, to }]) => from.map((status) => `${status} --> ${to} : ${name}`));
  return [`[*] --> ${initial}`, ...lines].sort();
}

/** The state diagrams in docs/architecture.md, each as its sorted lines, keyed by the status it starts in. */
function documentedDiagrams(): Map<string, string[]> {
  const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/g)].map((match) => match[1]!.split('\n').slice(1));
  const diagrams = blocks.map((lines) => lines.map((line) => line.trim()).filter((line) => line !== '').sort());
  return new Map(diagrams.map((lines) => [lines.find((line) => line.startsWith('[*] --> '))!.slice('[*] --> '.length), lines]));
}

describe('the search state machine', () => {
  it('allows exactly these transitions', () => {
    expect(edges(SEARCH_TRANSITIONS)).toEqual(
      [
        'CREATED -> RUNNING',
        'RUNNING -> RUNNING',
        'CREATED -> STOPPING',
        'RUNNING -> STOPPING',
        'CREATED -> SUCCEEDED',
        'RUNNING -> SUCCEEDED',
        'CREATED -> FAILED',
        'RUNNING -> FAILED',
        'STOPPING -> STOPPED',
      ].sort(),
    );
  });

  it('reaches every status from CREATED, and only finished statuses have no way out', () => {
    expect(INITIAL_SEARCH_STATUS).toBe('CREATED');
    expect([...reachable(SEARCH_TRANSITIONS, INITIAL_SEARCH_STATUS)].sort()).toEqual([...SEARCH_STATUSES].sort());
    expect(ACTIVE_SEARCH_STATUSES).toEqual(['CREATED', 'RUNNING', 'STOPPING']);
  });

  it('moves a search along an allowed transition', () => {
    const search = { id: 'S1', status: 'RUNNING' as SearchStatus, version: 3 };
    expect(moveSearch(search, 'stop')).toEqual({ id: 'S1', status: 'STOPPING', version: 3 });
    expect(moveSearch({ ...search, status: 'CREATED' }, 'run').status).toBe('RUNNING');
    expect(moveSearch({ ...search, status: 'STOPPING' }, 'finishStop').status).toBe('STOPPED');
  });

  it.each([
    ['STOPPED', 'stop'],
    ['SUCCEEDED', 'stop'],
    ['FAILED', 'run'],
    ['STOPPING', 'run'],
    ['STOPPING', 'succeed'],
    ['RUNNING', 'finishStop'],
    ['STOPPED', 'finishStop'],
  ] as const)('refuses to move a %s search by %s, with a Conflict', (status, transition) => {
    const move = () => moveSearch({ id: 'S1', status }, transition);
    expect(move).toThrow(InvalidTransition);
    expect(move).toThrow(Conflict);
    expect(move).toThrow(`search S1 is ${status} and cannot become ${SEARCH_TRANSITIONS[transition].to}`);
  });
});

describe('the trial state machine', () => {
  it('allows exactly these transitions', () => {
    expect(edges(TRIAL_TRANSITIONS)).toEqual(
      [
        'PENDING -> RUNNING',
        'RUNNING -> RUNNING',
        'RUNNING -> SUCCEEDED',
        'RUNNING -> EARLY_STOPPED',
        'RUNNING -> FAILED',
        'RUNNING -> INFEASIBLE',
        'PENDING -> FAILED',
        'STALE -> FAILED',
        'PENDING -> STALE',
        'RUNNING -> STALE',
        'STALE -> STALE',
        'STALE -> PENDING',
        'PENDING -> KILLED',
        'RUNNING -> KILLED',
        'STALE -> KILLED',
      ].sort(),
    );
  });

  it('refuses, among others, to leave a finished status or to skip the claim', () => {
    const allowed = new Set(edges(TRIAL_TRANSITIONS));
    for (const refused of ['SUCCEEDED -> RUNNING', 'KILLED -> PENDING', 'FAILED -> PENDING', 'EARLY_STOPPED -> SUCCEEDED', 'PENDING -> SUCCEEDED', 'STALE -> RUNNING', 'PENDING -> PENDING']) {
      expect(allowed.has(refused), refused).toBe(false);
    }
  });

  it('lets the job write only the attempt it holds, and the controller any active one', () => {
    expect(TRIAL_TRANSITIONS.claim.from).toEqual(['PENDING']);
    expect(TRIAL_TRANSITIONS.reclaim.from).toEqual(['PENDING', 'RUNNING']);
    for (const name of ['report', 'succeed', 'stopEarly', 'reject'] as const) expect(TRIAL_TRANSITIONS[name].from).toEqual(['RUNNING']);
    for (const name of ['failJob', 'loseJob', 'kill'] as const) expect(TRIAL_TRANSITIONS[name].from).toEqual(ACTIVE_TRIAL_STATUSES);
    expect(TRIAL_TRANSITIONS.resubmit).toEqual({ from: ['STALE'], to: 'PENDING' });
  });

  it('reaches every status from PENDING, and only finished statuses have no way out', () => {
    expect(INITIAL_TRIAL_STATUS).toBe('PENDING');
    expect([...reachable(TRIAL_TRANSITIONS, INITIAL_TRIAL_STATUS)].sort()).toEqual([...TRIAL_STATUSES].sort());
    expect(ACTIVE_TRIAL_STATUSES).toEqual(['PENDING', 'RUNNING', 'STALE']);
  });
});

describe('docs/architecture.md', () => {
  it('draws both state machines exactly as the table has them', () => {
    const documented = documentedDiagrams();
    expect(documented.get(INITIAL_SEARCH_STATUS)).toEqual(diagram(SEARCH_TRANSITIONS, INITIAL_SEARCH_STATUS));
    expect(documented.get(INITIAL_TRIAL_STATUS)).toEqual(diagram(TRIAL_TRANSITIONS, INITIAL_TRIAL_STATUS));
  });
});
