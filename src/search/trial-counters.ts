import { TRIAL_STATUSES, type TrialStatus } from './states.js';

/** `EARLY_STOPPED` → `earlyStopped`: the counter of a status, as the search record and the API name it. */
type CounterName<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Lowercase<Head>}${Capitalize<CounterName<Tail>>}` : Lowercase<S>;

/** How many of a search's trials are in each status, one counter per status of `TRIAL_STATUSES`. */
export type TrialStatusCounters = Record<CounterName<TrialStatus>, number>;

export function counterName<S extends TrialStatus>(status: S): CounterName<S> {
  return status.toLowerCase().replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase()) as CounterName<S>;
}

/** The counters' names, in the order of `TRIAL_STATUSES`. */
export const TRIAL_COUNTER_NAMES: readonly CounterName<TrialStatus>[] = TRIAL_STATUSES.map(counterName);

/** Counts `trials` by status; every status has its counter, zero or not. */
export function countTrials(trials: readonly { readonly status: TrialStatus }[]): TrialStatusCounters {
  const counters = Object.fromEntries(TRIAL_COUNTER_NAMES.map((name) => [name, 0])) as TrialStatusCounters;
  for (const trial of trials) counters[counterName(trial.status)]++;
  return counters;
}
