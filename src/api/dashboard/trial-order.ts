import type { TrialRecord } from '../../search/records.js';
import { TRIAL_STATUSES } from '../../search/states.js';

/** The trial table's sort keys; the page's query string (`?sort=value&order=desc`) carries the choice. */
const TRIAL_SORT_KEYS = ['number', 'status', 'value'] as const;
export type TrialSortKey = (typeof TRIAL_SORT_KEYS)[number];

export interface TrialOrder {
  readonly key: TrialSortKey;
  readonly descending: boolean;
}

const DEFAULT_TRIAL_ORDER: TrialOrder = { key: 'number', descending: false };

/** The order a query string asks for; anything unrecognised falls back to trial number order. */
export function parseTrialOrder(query: { sort?: string; order?: string }): TrialOrder {
  const key = TRIAL_SORT_KEYS.find((k) => k === query.sort);
  return key ? { key, descending: query.order === 'desc' } : DEFAULT_TRIAL_ORDER;
}

/** Clicking the current column flips it; another column starts with its most useful direction (values: highest first). */
export function nextTrialOrder(current: TrialOrder, key: TrialSortKey): TrialOrder {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: key === 'value' };
}

/** The query string of `order`, and of the trial window ending at `upTo` where it is not the latest trials. */
export function trialOrderQuery(order: TrialOrder, upTo?: number): string {
  return `?sort=${order.key}&order=${order.descending ? 'desc' : 'asc'}${upTo === undefined ? '' : `&upTo=${upTo}`}`;
}

/** Sorted copy of `trials`; trials without a value of `metric` come last in either direction. */
export function sortTrials(trials: readonly TrialRecord[], order: TrialOrder, metric: string): TrialRecord[] {
  const sign = order.descending ? -1 : 1;
  const compare: Record<TrialSortKey, (a: TrialRecord, b: TrialRecord) => number> = {
    number: (a, b) => sign * (a.number - b.number),
    status: (a, b) => sign * (TRIAL_STATUSES.indexOf(a.status) - TRIAL_STATUSES.indexOf(b.status)) || a.number - b.number,
    value: (a, b) => {
      const va = a.metrics?.[metric];
      const vb = b.metrics?.[metric];
      if (va === undefined || vb === undefined) return (va === undefined ? 1 : 0) - (vb === undefined ? 1 : 0) || a.number - b.number;
      return sign * (va - vb) || a.number - b.number;
    },
  };
  return [...trials].sort(compare[order.key]);
}
