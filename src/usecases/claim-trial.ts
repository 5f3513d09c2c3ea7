import { randomUUID } from 'node:crypto';
import type { Events } from '../events/events.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import { isActiveSearch, TRIAL_TRANSITIONS } from '../search/states.js';
import { ledgerTrialCount } from '../search/trial-ledger.js';
import type { Store } from '../store/store.js';
import { DEFAULT_LEASE_SECONDS, leaseExpiry, requireExternalSearch, type ExternalEvaluator } from './trial-leases.js';

export interface ClaimTrialDeps {
  readonly store: Store;
  readonly events: Events;
  readonly clock: () => Date;
}

export interface ClaimRequest {
  /** How the worker names itself, shown on the trial. */
  readonly workerId?: string;
  /** How long the lease lasts without a report (each report extends it by as much). */
  readonly leaseSeconds?: number;
}

/** A trial as a claim leaves it: held under a lease. */
export type LeasedTrial = TrialRecord & Required<Pick<TrialRecord, 'leaseId' | 'leaseExpiresAt'>>;

export type ClaimOutcome =
  | { readonly outcome: 'claimed'; readonly trial: LeasedTrial; readonly search: SearchRecord; readonly evaluator: ExternalEvaluator }
  /** Every trial the controller proposed so far is held by a worker: ask again later. */
  | { readonly outcome: 'none' }
  /** The search is finished or stopping: no trial will come. */
  | { readonly outcome: 'finished'; readonly search: SearchRecord };

/**
 * Gives a worker the lowest-numbered trial waiting for one: it becomes RUNNING under a new lease. The
 * write is conditional on the trial still waiting at its attempt, so two concurrent claims never get the
 * same attempt; the loser tries the next trial. `parallelTrialCount` bounds the leases out at once, since
 * the controller keeps no more trials active.
 *
 * Throws `NotFound` for an unknown search (another tenant's included) and `Conflict` for one whose
 * evaluator is not `external`.
 */
export async function claimTrial(deps: ClaimTrialDeps, tenantId: string, searchId: string, request: ClaimRequest): Promise<ClaimOutcome> {
  const { store } = deps;
  const { search, evaluator } = await requireExternalSearch(store, tenantId, searchId);
  if (!isActiveSearch(search.status) || search.status === 'STOPPING') return { outcome: 'finished', search };

  const now = deps.clock();
  const trials = await waitingOrHeld(store, search);
  const { from, to } = TRIAL_TRANSITIONS.claim;
  const leaseSeconds = request.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  // A trial is claimable once the controller submitted it (its job id is set).
  for (const trial of trials.filter((t) => t.status === 'PENDING' && t.jobId !== undefined)) {
    const started = now.toISOString();
    const patch = {
      status: to,
      leaseId: randomUUID(),
      leaseExpiresAt: leaseExpiry(now, leaseSeconds),
      leaseSeconds,
      workerId: request.workerId,
      startedAt: started,
      heartbeatAt: started,
      updatedAt: started,
    };
    if (await store.updateTrial(tenantId, searchId, trial.number, patch, { status: from, attempt: trial.attempt })) {
      return { outcome: 'claimed', trial: { ...trial, ...patch }, search, evaluator };
    }
  }
  // A lease that ran out frees its trial once the controller has looked: ask it to now, not at the next sweep.
  if (trials.some((t) => t.status === 'RUNNING' && t.leaseExpiresAt !== undefined && Date.parse(t.leaseExpiresAt) < now.getTime())) {
    deps.events.publish({ type: 'SearchSwept', tenantId, searchId });
  }
  return { outcome: 'none' };
}

/**
 * The search's open trials in number order: those its record lists, and any the controller wrote after
 * the record last counted them (it saves the record right after submitting them).
 */
async function waitingOrHeld(store: Store, search: SearchRecord): Promise<TrialRecord[]> {
  const open = search.ledger?.open.map((t) => t.number) ?? [];
  const counted = search.ledger ? ledgerTrialCount(search.ledger) : 0;
  const [listed, later] = await Promise.all([
    open.length > 0 ? store.getTrials(search.tenantId, search.id, open) : [],
    store.trialsAfter(search.tenantId, search.id, Math.max(counted, ...open)),
  ]);
  return [...listed, ...later].sort((a, b) => a.number - b.number);
}
