import { createHash } from 'node:crypto';
import { VersionConflict } from '../errors.js';
import type { JobQueue, JobState } from '../jobs/job-queue.js';
import type { SearchRecord, TrialParent, TrialRecord } from '../search/records.js';
import { INITIAL_TRIAL_STATUS, isActiveSearch, isActiveTrial, moveSearch, TRIAL_TRANSITIONS, type CompletionReason, type SearchTransitionName } from '../search/states.js';
import { resolveSpace } from '../spaces/registry.js';
import { getStrategy } from '../strategies/registry.js';
import type { HistoryEntry, Proposal } from '../strategies/strategy.js';
import { describeEdit } from '../spaces/describe-edit.js';
import type { PredictorService } from '../predictors/predictor-service.js';
import { prescreen } from './prescreen.js';
import { parentTrials, transferSeeds } from '../search/warm-start.js';
import type { SearchSpace } from '../spaces/space.js';
import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import type { Store } from '../store/store.js';
import { exhaustedBudget, failureReason, freeSlots, searchCostUsd, trialsWithinBudget } from './budgets.js';
import { orientedScore, orientedScores, summarizeTrials } from '../search/summaries.js';

export interface ControllerDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly clock: () => Date;
  /** Trained search policies strategies run on (`rl`), looked up in this order; absent where there are none. */
  readonly policies?: readonly PolicyRegistry[];
  /** Performance predictors for searches that pre-screen their proposals; without it they do not. */
  readonly predictors?: PredictorService;
  /**
   * A running trial whose job has not beaten its heart for this long is declared STALE: its job is
   * terminated and the trial runs again as its next attempt.
   * @default 300
   */
  readonly staleAfterSeconds?: number;
}

export const DEFAULT_STALE_AFTER_SECONDS = 300;

const MAX_TICK_RETRIES = 5;

/** Stable short id of an architecture's canonical form, used for dedupe keys. */
export function archHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/**
 * Moves one search forward: reconciles trials with their jobs, accounts finished trials, checks budgets,
 * asks the strategy for as many candidates as there are free slots, writes and submits them, and saves
 * the search with an optimistic version check. Every trigger (search created, job ended, stop requested,
 * periodic sweep) calls this same function; calling it twice for the same event changes nothing, because
 * everything it reports is derived from the trial records and every write is conditional.
 *
 * Returns the search as saved, or `undefined` for an unknown search.
 */
export async function tick(deps: ControllerDeps, tenantId: string, searchId: string): Promise<SearchRecord | undefined> {
  for (let retry = 0; ; retry++) {
    try {
      return await tickOnce(deps, tenantId, searchId);
    } catch (error) {
      // Another writer (an API stop, a concurrent tick) won the race: re-read and try again.
      if (!(error instanceof VersionConflict) || retry >= MAX_TICK_RETRIES) throw error;
    }
  }
}

async function tickOnce(deps: ControllerDeps, tenantId: string, searchId: string): Promise<SearchRecord | undefined> {
  const { store } = deps;
  const search = await store.getSearch(tenantId, searchId);
  if (!search || !isActiveSearch(search.status)) return search;

  let trials = await store.allTrials(tenantId, searchId);
  if (await reconcileJobs(deps, trials)) trials = await store.allTrials(tenantId, searchId);

  if (search.status === 'STOPPING') {
    await killActiveTrials(deps, trials, 'search stopped');
    return finish(deps, search, await store.allTrials(tenantId, searchId), 'finishStop', 'Stopped');
  }

  const objective = search.spec.objectives[0]!;
  const summary = summarizeTrials(trials, objective);
  const failure = failureReason(search, summary);
  if (failure) {
    await killActiveTrials(deps, trials, `search failed: ${failure}`);
    return finish(deps, search, await store.allTrials(tenantId, searchId), 'fail', failure);
  }

  let strategyState = search.strategyState;
  const activeCount = trials.filter((t) => isActiveTrial(t.status)).length;
  // New trials have not started, so they add nothing to the spend measured here.
  const costUsd = searchCostUsd(search, trials, deps.clock());
  const costRoom = trialsWithinBudget(search, costUsd, activeCount);
  let reason: CompletionReason | undefined = exhaustedBudget(search, trials.length, summary) ?? (costRoom === 0 ? 'BudgetExhausted' : undefined);
  if (!reason) {
    const slots = Math.min(freeSlots(search, trials.length, activeCount), costRoom);
    if (slots > 0) {
      const proposal = await proposeCandidates(deps, search, trials, slots);
      strategyState = proposal.state;
      trials = [...trials, ...(await createTrials(deps, search, trials, proposal, summary.elapsedSeconds))];
      if (proposal.candidates.length === 0) reason = 'SearchSpaceExhausted';
    }
  }

  if (reason && !trials.some((t) => isActiveTrial(t.status))) {
    return finish(deps, { ...search, strategyState }, trials, 'succeed', reason);
  }
  return store.saveSearch({
    ...moveSearch(search, 'run'),
    ...summarizeTrials(trials, objective),
    costUsd,
    trialCount: trials.length,
    strategyState,
    updatedAt: deps.clock().toISOString(),
  });
}

/**
 * Brings trials in line with what the queue knows: a job that failed fails its trial (unless the job
 * recorded an outcome first: the update is conditional), a job the queue has never heard of (lost in a
 * restart) makes its trial STALE and it is resubmitted as the next attempt, and a trial written but never
 * submitted is submitted. Returns whether any record changed.
 */
async function reconcileJobs(deps: ControllerDeps, trials: readonly TrialRecord[]): Promise<boolean> {
  const { store, queue } = deps;
  const active = trials.filter((t) => isActiveTrial(t.status));
  const jobIds = active.flatMap((t) => (t.jobId ? [t.jobId] : []));
  const jobs = jobIds.length > 0 ? await queue.describe(jobIds) : new Map<string, JobState>();
  let changed = false;
  for (const trial of active) {
    const job = trial.jobId ? jobs.get(trial.jobId) : undefined;
    const now = deps.clock().toISOString();
    const { attempt } = trial;
    if (!trial.jobId) {
      await submitTrial(deps, trial);
    } else if (!job || job.status === 'UNKNOWN' || isSilent(deps, trial)) {
      const { from, to } = TRIAL_TRANSITIONS.loseJob;
      if (!(await store.updateTrial(trial.tenantId, trial.searchId, trial.number, { status: to, updatedAt: now }, { status: from, attempt }))) continue;
      if (job && job.status !== 'UNKNOWN') await queue.terminate(trial.jobId, 'no heartbeat');
      await requeueTrial(deps, trial);
    } else if (job.status === 'FAILED' || job.status === 'SUCCEEDED') {
      const message = job.status === 'FAILED' ? (job.reason ?? 'job failed') : 'job ended without recording a result';
      const { from, to } = TRIAL_TRANSITIONS.failJob;
      const patch = { status: to, error: { message, retryable: true }, finishedAt: now, updatedAt: now };
      if (!(await store.updateTrial(trial.tenantId, trial.searchId, trial.number, patch, { status: from, attempt }))) continue;
    } else {
      continue;
    }
    changed = true;
  }
  return changed;
}

/** Whether a running trial's job stopped beating its heart (a hung process, a lost container). */
function isSilent(deps: ControllerDeps, trial: TrialRecord): boolean {
  if (trial.status !== 'RUNNING') return false;
  const lastSign = Date.parse(trial.heartbeatAt ?? trial.startedAt ?? trial.updatedAt);
  return deps.clock().getTime() - lastSign > (deps.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000;
}

/** Resubmits a STALE trial as its next attempt; the old attempt can no longer write its result. */
async function requeueTrial(deps: ControllerDeps, trial: TrialRecord): Promise<void> {
  const { from, to } = TRIAL_TRANSITIONS.resubmit;
  const next = { ...trial, status: to, attempt: trial.attempt + 1 };
  const patch = {
    status: next.status,
    attempt: next.attempt,
    jobId: undefined,
    startedAt: undefined,
    heartbeatAt: undefined,
    updatedAt: deps.clock().toISOString(),
  };
  if (await deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, patch, { status: from, attempt: trial.attempt })) {
    await submitTrial(deps, next);
  }
}

/** Submits the trial's current attempt and records the job id on it. */
async function submitTrial(deps: ControllerDeps, trial: TrialRecord): Promise<void> {
  const { jobId } = await deps.queue.submit({
    tenantId: trial.tenantId,
    searchId: trial.searchId,
    trialNumber: trial.number,
    attempt: trial.attempt,
  });
  await deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, { jobId, updatedAt: deps.clock().toISOString() }, { attempt: trial.attempt });
}

/** What a strategy sees of a trial, its objective values oriented so that larger is better. */
function historyEntry(space: SearchSpace<unknown>, search: SearchRecord, trial: TrialRecord): HistoryEntry<unknown> {
  const arch = space.parse(trial.arch);
  const score = orientedScore(trial, search.spec.objectives[0]!);
  const scores = orientedScores(trial, search.spec.objectives);
  return { arch, canonical: space.canonical(arch), status: trial.status, ...(score === undefined ? {} : { score }), ...(scores ? { scores } : {}) };
}

/**
 * Asks the strategy for up to `count` candidates. Warm-started searches see their parents first: with
 * `IdenticalTask` the parents' finished trials lead the history (so they are never measured again), with
 * `TransferLearning` the parents' best architectures not yet tried here are proposed before the strategy
 * is asked. Returned `parents` index into `trials`.
 */
async function proposeCandidates(
  deps: ControllerDeps,
  search: SearchRecord,
  trials: readonly TrialRecord[],
  count: number,
): Promise<Proposal<unknown, unknown>> {
  const space = resolveSpace(search.spec.space, search.spec.spaceConfig);
  const strategy = getStrategy(search.spec.strategy.name);
  const own = trials.map((trial) => historyEntry(space, search, trial));
  const warmStart = search.spec.warmStart;
  // TransferLearning seeds are a search's first proposals: once that many trials exist, the parents are done with.
  const needsParents = warmStart && (warmStart.type === 'IdenticalTask' || trials.length < warmStart.seeds);
  const inherited = needsParents ? await parentTrials(deps.store, search) : [];
  if (warmStart?.type === 'TransferLearning') {
    const tried = new Set(own.map((entry) => entry.canonical));
    const seeds = transferSeeds(space, rankedByParent(space, inherited), tried, warmStart.seeds);
    if (seeds.length > 0) return { state: search.strategyState, candidates: seeds.slice(0, count) };
  }
  const factor = deps.predictors ? (search.spec.strategy.prescreen?.factor ?? 1) : 1;
  const prior = warmStart?.type === 'IdenticalTask' ? inherited.flatMap(({ trials: parentTrials }) => parentTrials.map((t) => historyEntry(space, search, t))) : [];
  const policies = deps.policies ? { policies: deps.policies } : {};
  const proposal = await strategy.propose({
    space,
    params: search.spec.strategy.params,
    state: search.strategyState,
    history: [...prior, ...own],
    count: count * factor,
    ...policies,
  });
  // Lineage reaches this search's own trials only: a parent search's trial is no trial of this one.
  const parents = proposal.parents?.map((index) => (index === undefined || index < prior.length ? undefined : index - prior.length));
  const ownProposal = { ...proposal, ...(parents ? { parents } : {}) };
  return factor > 1 ? prescreen(deps.predictors!, search, space, ownProposal, count) : ownProposal;
}

/** Each parent's finished trials ranked by that parent's own first objective, best first. */
function rankedByParent(space: SearchSpace<unknown>, parents: readonly { parent: SearchRecord; trials: TrialRecord[] }[]): unknown[][] {
  return parents.map(({ parent, trials }) =>
    trials
      .map((trial) => ({ trial, score: orientedScore(trial, parent.spec.objectives[0]!) }))
      .filter((entry): entry is { trial: TrialRecord; score: number } => entry.score !== undefined)
      .sort((a, b) => b.score - a.score)
      .map(({ trial }) => space.parse(trial.arch)),
  );
}

/** Lineage of a candidate derived from the trial at `history[index]`: its number and the edit, in the space's words. */
function parentOf(space: SearchSpace<unknown>, history: readonly TrialRecord[], candidate: unknown, index: number | undefined): TrialParent | undefined {
  const parent = index === undefined ? undefined : history[index];
  if (!parent) return undefined;
  return { trialNumber: parent.number, change: describeEdit(space, space.parse(parent.arch), candidate) ?? 'mutation' };
}

async function createTrials(
  deps: ControllerDeps,
  search: SearchRecord,
  existing: readonly TrialRecord[],
  proposal: Proposal<unknown, unknown>,
  startOffsetSeconds: number,
): Promise<TrialRecord[]> {
  const { store } = deps;
  const space = resolveSpace(search.spec.space, search.spec.spaceConfig);
  const known = new Set(existing.map((t) => t.archHash));
  let number = existing.reduce((max, t) => Math.max(max, t.number), 0);
  const created: TrialRecord[] = [];
  for (const [i, candidate] of proposal.candidates.entries()) {
    const parent = parentOf(space, existing, candidate, proposal.parents?.[i]);
    const hash = archHash(space.canonical(candidate));
    if (known.has(hash)) continue;
    known.add(hash);
    number++;
    // The guard is written first: should we crash before the trial, the architecture is merely skipped,
    // never evaluated twice.
    if (!(await store.claimArchitecture(search.tenantId, search.id, hash, number))) {
      number--;
      continue;
    }
    const now = deps.clock().toISOString();
    const trial: TrialRecord = {
      tenantId: search.tenantId,
      searchId: search.id,
      number,
      status: INITIAL_TRIAL_STATUS,
      arch: space.format(candidate),
      archHash: hash,
      attempt: 1,
      startOffsetSeconds,
      ...(parent ? { parent } : {}),
      createdAt: now,
      updatedAt: now,
    };
    if (!(await store.createTrial(trial))) throw new VersionConflict(`trial ${number} of search ${search.id} exists`);
    await submitTrial(deps, trial);
    created.push(trial);
  }
  return created;
}

async function killActiveTrials(deps: ControllerDeps, trials: readonly TrialRecord[], reason: string): Promise<void> {
  const { from, to } = TRIAL_TRANSITIONS.kill;
  for (const trial of trials.filter((t) => isActiveTrial(t.status))) {
    if (trial.jobId) await deps.queue.terminate(trial.jobId, reason);
    const now = deps.clock().toISOString();
    await deps.store.updateTrial(
      trial.tenantId,
      trial.searchId,
      trial.number,
      { status: to, error: { message: reason, retryable: false }, finishedAt: now, updatedAt: now },
      { status: from, attempt: trial.attempt },
    );
  }
}

async function finish(
  deps: ControllerDeps,
  search: SearchRecord,
  trials: readonly TrialRecord[],
  transition: Extract<SearchTransitionName, 'succeed' | 'fail' | 'finishStop'>,
  reason: CompletionReason,
): Promise<SearchRecord> {
  const now = deps.clock().toISOString();
  const finished = await deps.store.saveSearch({
    ...moveSearch(search, transition),
    ...summarizeTrials(trials, search.spec.objectives[0]!),
    costUsd: searchCostUsd(search, trials, deps.clock()),
    reason,
    trialCount: trials.length,
    updatedAt: now,
    finishedAt: now,
  });
  // Only once the finished state is saved: a release lost to a crash here is found by the next create
  // that finds the quota full (src/usecases/search-quota.ts).
  await deps.store.releaseSlot(search.tenantId, 'searches', search.id);
  return finished;
}
