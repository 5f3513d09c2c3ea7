import { attemptVerdict, maxTrialAttemptsOf, withClosedAttempt } from '../search/attempts.js';
import { createHash } from 'node:crypto';
import { VersionConflict } from '../errors.js';
import type { JobQueue, JobState } from '../jobs/job-queue.js';
import type { OpenTrial, SearchRecord, TrialParent, TrialRecord } from '../search/records.js';
import { INITIAL_TRIAL_STATUS, isActiveSearch, isActiveTrial, moveSearch, TRIAL_TRANSITIONS, type CompletionReason, type SearchTransitionName } from '../search/states.js';
import { getStrategy } from '../strategies/registry.js';
import type { Proposal } from '../strategies/strategy.js';
import { describeEdit } from '../spaces/describe-edit.js';
import type { PredictorService } from '../predictors/predictor-service.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { prescreen } from './prescreen.js';
import { transferSeeds } from '../search/warm-start.js';
import type { SearchSpace } from '../spaces/space.js';
import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import type { Store } from '../store/store.js';
import { costCap, exhaustedBudget, failureReason, freeSlots, searchSpentUsd, trialsSpentUsd } from './budgets.js';
import { orientedScore, type SearchSummary } from '../search/summaries.js';
import {
  emptyLedger,
  foldTrial,
  ledgerCounters,
  ledgerFromTrials,
  ledgerTrialCount,
  openTrialOf,
  type SearchAggregates,
} from '../search/trial-ledger.js';
import { anotherWave, DEFAULT_SLICE_MS, evaluateInProcess, evaluatesInProcess, type InProcessEvaluation } from './in-process-trials.js';
import { SearchHistories, type SearchHistory } from './search-history.js';

export interface ControllerDeps {
  readonly store: Store;
  readonly queue: JobQueue;
  readonly clock: () => Date;
  /** Trained search policies strategies run on (`rl`), looked up in this order; absent where there are none. */
  readonly policies?: readonly PolicyRegistry[];
  /** Performance predictors for searches that pre-screen their proposals; without it they do not. */
  readonly predictors?: PredictorService;
  /** Imported tables: a search over one proposes only the architectures it holds; without it, from the whole space. */
  readonly benchmarks?: BenchmarkCatalog;
  /**
   * A running trial whose job has not beaten its heart for this long is declared STALE: its job is
   * terminated and the trial runs again as its next attempt.
   * @default 300
   */
  readonly staleAfterSeconds?: number;
  /** Benchmark lookups the controller answers itself instead of submitting jobs; without it every trial is a job. */
  readonly inProcess?: InProcessEvaluation;
  /**
   * The searches' histories this process keeps between ticks (one per controller process); without it a
   * tick reads every trial of its search once.
   */
  readonly histories?: SearchHistories;
  /**
   * Follows the jobs of `container` trials that run the user's image (AWS Batch: `followContainerJob`),
   * since no code of ours inside claims the trial or records its result; answers whether it changed the
   * trial. Absent where our trial job runs the command itself and records the outcome (the local service).
   */
  readonly containerJobs?: (search: SearchRecord, trial: TrialRecord, job: JobState) => Promise<boolean>;
  /** Asks for another tick of a search whose in-process evaluation was handed back at the end of its slice. */
  readonly continueLater?: (tenantId: string, searchId: string) => void;
}

export const DEFAULT_STALE_AFTER_SECONDS = 300;

const MAX_TICK_RETRIES = 5;

/** The strategy threw when asked for candidates (a missing policy, a bug): not retried, the search fails. */
class StrategyFailure extends Error {}

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
  const read = await store.getSearch(tenantId, searchId);
  if (!read || !isActiveSearch(read.status)) return read;
  const histories = deps.histories ?? new SearchHistories(1);
  const sliceStarted = Date.now();
  let search = read;
  let known = withLedger(search);
  for (let first = true; ; first = false) {
    // One round at a time per process among searches evaluated in-process (`EvaluationTurns`).
    const release = await deps.inProcess?.turns?.take();
    try {
      let history = histories.current(search);
      // The batch the last in-process round folded is written after its record: write it again unless this
      // process saw it written (puts of fixed content, so writing twice changes nothing).
      if (known.ledger.batch.length > 0 && !history?.batchWritten) await store.putTrials(known.ledger.batch);
      if (!search.ledger) known = await ledgerOfLegacySearch(deps, search);
      history ??= await histories.build(store, search);
      history.batchWritten = true;

      // The only trials a tick reads: those still open, and (once per call) any written after the record last
      // counted them, by a tick that died or lost a race between writing a trial and saving the search.
      let open = await readOpenTrials(deps, search, known, first);
      if (await reconcileJobs(deps, search, open)) open = await store.getTrials(tenantId, searchId, open.map((t) => t.number));
      for (const trial of open) history.record(trial);

      if (search.status === 'STOPPING') {
        await killActiveTrials(deps, open, 'search stopped');
        return finish(deps, histories, search, await foldOpen(deps, search, known, await reread(deps, search, open)), 'finishStop', 'Stopped');
      }
      let aggregates = await foldOpen(deps, search, known, open);
      const failure = failureReason(search, summaryOf(aggregates));
      if (failure) {
        await killActiveTrials(deps, open, `search failed: ${failure}`);
        return finish(deps, histories, search, await foldOpen(deps, search, known, await reread(deps, search, open)), 'fail', failure);
      }

      const inProcess = evaluatesInProcess(deps.inProcess, search) ? deps.inProcess : undefined;
      // The hard cap: open trials whose expected spend would carry the search past maxCostUsd stop now.
      // Trials evaluated in-process run no job and cost nothing: only the trial counts bound them.
      const cap = inProcess ? undefined : costCap(search, aggregates.ledger, deps.clock());
      if (cap && cap.kill.length > 0) {
        await killActiveTrials(deps, open.filter((t) => cap.kill.includes(t.number)), cap.message);
        open = await reread(deps, search, open);
        for (const trial of open) history.record(trial);
        aggregates = await foldOpen(deps, search, known, open);
      }

      let strategyState = search.strategyState;
      const trialCount = ledgerTrialCount(aggregates.ledger);
      const costRoom = cap?.startable ?? Number.POSITIVE_INFINITY;
      let reason: CompletionReason | undefined = exhaustedBudget(search, trialCount, summaryOf(aggregates)) ?? (costRoom === 0 ? 'BudgetExhausted' : undefined);
      const batch: TrialRecord[] = [];
      const roundStarted = Date.now();
      // In-process trials finish as they are proposed, so one round runs several waves of `parallelTrialCount`
      // (each proposed with the waves before it in the history, as separate rounds would be) and saves them
      // with one record write and one batched write: the store calls per trial shrink with the round.
      for (let wave = 0; !reason; wave++) {
        const slots = Math.min(freeSlots(search, ledgerTrialCount(aggregates.ledger), aggregates.ledger.open.length), costRoom);
        if (slots <= 0) break;
        const proposal = await proposeCandidates(deps, { ...search, strategyState }, history, slots).catch((error: unknown) =>
          error instanceof StrategyFailure ? error : Promise.reject(error),
        );
        // A strategy that cannot propose would fail the same way on every sweep: the search ends here, saying why
        // (after a wave that was proposed, on the next round: what was evaluated is saved first).
        if (proposal instanceof StrategyFailure) {
          if (wave > 0) break;
          await killActiveTrials(deps, open, `search failed: ${proposal.message}`);
          return finish(deps, histories, search, await foldOpen(deps, search, known, await reread(deps, search, open)), 'fail', 'StrategyFailed', proposal.message);
        }
        strategyState = proposal.state;
        const fresh = newTrials(deps, search, history, proposal, ledgerTrialCount(aggregates.ledger), aggregates.elapsedSeconds);
        if (inProcess) {
          const evaluated = await evaluateBatch(deps, inProcess, search, fresh);
          for (const trial of evaluated) {
            aggregates = foldTrial(aggregates, trial, search.spec.objectives, 0);
            history.record(trial);
            batch.push(trial);
          }
        } else {
          const created = await createTrials(deps, search, fresh);
          aggregates = { ...aggregates, ledger: { ...aggregates.ledger, open: [...aggregates.ledger.open, ...created.map(openTrialOf)] } };
          for (const trial of created) history.record(trial);
        }
        // A search never finishes in the write that carries an unwritten batch (a finished search is not
        // ticked again, so a lost batch would stay lost): after a wave, the next round finds the end again.
        if (proposal.candidates.length === 0) {
          if (batch.length === 0) reason = 'SearchSpaceExhausted';
          break;
        }
        if (!inProcess || !anotherWave(inProcess, batch.length, roundStarted)) break;
        // The next wave starts only where the next round would: within the budget, below the failure limit.
        const summary = summaryOf(aggregates);
        if (exhaustedBudget(search, ledgerTrialCount(aggregates.ledger), summary) || failureReason(search, summary)) break;
        // Waves run on promises that never wait for I/O: let the requests that arrived meanwhile (the API's
        // reads, other searches' store answers) go first, or the round would hold the event loop throughout.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (batch.length > 0) aggregates = { ...aggregates, ledger: { ...aggregates.ledger, batch } };
      if (batch.length === 0 && aggregates.ledger.batch.length > 0) aggregates = { ...aggregates, ledger: { ...aggregates.ledger, batch: [] } };

      if (reason && aggregates.ledger.open.length === 0) {
        // A search that measured nothing did not succeed, whatever budget it used up.
        const { folded, firstFailure } = aggregates.ledger;
        const count = ledgerTrialCount(aggregates.ledger);
        if (count > 0 && folded.failed === count) {
          const message = `all ${count} trials failed (trial ${firstFailure?.trialNumber ?? '?'}: ${firstFailure?.message ?? 'no message'})`;
          return finish(deps, histories, { ...search, strategyState }, aggregates, 'fail', 'AllTrialsFailed', message);
        }
        return finish(deps, histories, { ...search, strategyState }, aggregates, 'succeed', reason, reason === 'BudgetExhausted' && cap?.exhausted ? cap.message : undefined);
      }
      let saved = await save(deps, histories, search, aggregates, (record) => ({
        ...moveSearch(record, 'run'),
        costUsd: searchSpentUsd(search, aggregates.ledger, deps.clock()),
        strategyState,
        updatedAt: deps.clock().toISOString(),
      }));
      history.version = saved.version;
      history.batchWritten = batch.length === 0;
      histories.remember(saved, history);
      if (batch.length > 0) {
        await store.putTrials(batch);
        history.batchWritten = true;
        // Its trials written, the record no longer needs to carry them: saved once more without, it is light
        // again for every read of the search (the API's views, the list) until the next round.
        saved = await save(deps, histories, saved, { ...aggregates, ledger: { ...aggregates.ledger, batch: [] } }, (record) => record);
        history.version = saved.version;
        histories.remember(saved, history);
      }
      // Another round of in-process evaluation, until the slice is used up: then the search is handed back.
      if (batch.length === 0 || aggregates.ledger.open.length > 0) return saved;
      if (Date.now() - sliceStarted >= (inProcess?.sliceMs ?? DEFAULT_SLICE_MS)) {
        deps.continueLater?.(tenantId, searchId);
        return saved;
      }
      search = saved;
      known = withLedger(saved);
    } finally {
      release?.();
    }
  }
}

/** The record's aggregates, with an empty ledger for a record written before ledgers (filled by `ledgerOfLegacySearch`). */
function withLedger(search: SearchRecord): SearchAggregates {
  return {
    ledger: search.ledger ?? emptyLedger(),
    ...(search.best ? { best: search.best } : {}),
    elapsedSeconds: search.elapsedSeconds,
    trainingSeconds: search.trainingSeconds,
  };
}

/** A search written before ledgers: its ledger from one full read of its trials (once; the next save stores it). */
async function ledgerOfLegacySearch(deps: ControllerDeps, search: SearchRecord): Promise<SearchAggregates> {
  const trials = await deps.store.allTrials(search.tenantId, search.id);
  const { trialCount: _count, ...aggregates } = ledgerFromTrials(trials, search.spec.objectives, (trial) => trialsSpentUsd(search, [trial], deps.clock()));
  return aggregates;
}

/**
 * The open trials as stored now, with any trial numbered past the record's count (written by a tick that
 * crashed or lost the race before saving the search): those are adopted as open, so nothing is lost or
 * evaluated twice. A trial the record names but the store lacks was never written; it is dropped from the
 * ledger (its number is given again).
 */
async function readOpenTrials(deps: ControllerDeps, search: SearchRecord, known: SearchAggregates, lookPast: boolean): Promise<TrialRecord[]> {
  const { store } = deps;
  const numbers = known.ledger.open.map((t) => t.number);
  const open = numbers.length > 0 ? await store.getTrials(search.tenantId, search.id, numbers) : [];
  if (!lookPast) return open;
  const counted = Object.values(known.ledger.folded).reduce((a, b) => a + b, 0) + numbers.length;
  const past = await store.trialsAfter(search.tenantId, search.id, Math.max(counted, ...numbers));
  return [...open, ...past.filter((trial) => !numbers.includes(trial.number))];
}

async function reread(deps: ControllerDeps, search: SearchRecord, open: readonly TrialRecord[]): Promise<TrialRecord[]> {
  return open.length > 0 ? deps.store.getTrials(search.tenantId, search.id, open.map((t) => t.number)) : [];
}

/**
 * `known` with every finished trial of `open` folded in and the still-active ones left open. Applied to the
 * record in the same conditional write that drops them from `open`, so each is folded exactly once.
 */
async function foldOpen(deps: ControllerDeps, search: SearchRecord, known: SearchAggregates, open: readonly TrialRecord[]): Promise<SearchAggregates> {
  let aggregates: SearchAggregates = { ...known, ledger: { ...known.ledger, open: [] } };
  const stillOpen: OpenTrial[] = [];
  for (const trial of [...open].sort((a, b) => a.number - b.number)) {
    if (isActiveTrial(trial.status)) stillOpen.push(openTrialOf(trial));
    else aggregates = foldTrial(aggregates, trial, search.spec.objectives, trialsSpentUsd(search, [trial], deps.clock()));
  }
  return { ...aggregates, ledger: { ...aggregates.ledger, open: stillOpen } };
}

function summaryOf(aggregates: SearchAggregates): SearchSummary {
  return {
    trialStatusCounters: ledgerCounters(aggregates.ledger),
    elapsedSeconds: aggregates.elapsedSeconds,
    trainingSeconds: aggregates.trainingSeconds,
    ...(aggregates.best ? { best: aggregates.best } : {}),
  };
}

/** Saves `search` with `aggregates` (and what `more` adds); a lost race forgets this process's history of it. */
async function save(
  deps: ControllerDeps,
  histories: SearchHistories,
  search: SearchRecord,
  aggregates: SearchAggregates,
  more: (record: SearchRecord) => SearchRecord,
): Promise<SearchRecord> {
  const { best: _old, ...rest } = search;
  const record: SearchRecord = {
    ...rest,
    ...(aggregates.best ? { best: aggregates.best } : {}),
    ledger: aggregates.ledger,
    elapsedSeconds: aggregates.elapsedSeconds,
    trainingSeconds: aggregates.trainingSeconds,
    trialStatusCounters: ledgerCounters(aggregates.ledger),
    trialCount: ledgerTrialCount(aggregates.ledger),
  };
  try {
    return await deps.store.saveSearch(more(record));
  } catch (error) {
    if (error instanceof VersionConflict) histories.forget(search);
    throw error;
  }
}

/** Runs the in-process evaluator on each new trial, then waits out the batch's simulated time if asked to. */
async function evaluateBatch(deps: ControllerDeps, inProcess: InProcessEvaluation, search: SearchRecord, fresh: readonly TrialRecord[]): Promise<TrialRecord[]> {
  const now = () => deps.clock().toISOString();
  const batch: TrialRecord[] = [];
  for (const trial of fresh) batch.push(await evaluateInProcess(inProcess.evaluator, search, trial, now));
  const scale = inProcess.simulatedTimeScale ?? 0;
  const longest = Math.max(0, ...batch.map((t) => t.costSeconds ?? 0));
  if (scale > 0 && longest > 0) await new Promise((resolve) => setTimeout(resolve, longest * scale * 1000));
  return batch;
}

/**
 * Brings trials in line with what the queue knows: a job that failed fails its trial (unless the job
 * recorded an outcome first: the update is conditional), a job the queue has never heard of (lost in a
 * restart) makes its trial STALE and it is resubmitted as the next attempt, and a trial written but never
 * submitted is submitted. Returns whether any record changed.
 */
async function reconcileJobs(deps: ControllerDeps, search: SearchRecord, trials: readonly TrialRecord[]): Promise<boolean> {
  const { store, queue } = deps;
  const maxTrialAttempts = maxTrialAttemptsOf(search.spec);
  const followContainer = search.spec.evaluator.kind === 'container' ? deps.containerJobs : undefined;
  const active = trials.filter((t) => isActiveTrial(t.status));
  // A container's own code may end its trial over the API (an early stop, a completion) while its job runs on.
  const endedByReport = search.spec.evaluator.kind === 'container' ? trials.filter((t) => !isActiveTrial(t.status) && t.jobId) : [];
  const jobIds = [...active, ...endedByReport].flatMap((t) => (t.jobId ? [t.jobId] : []));
  const jobs = jobIds.length > 0 ? await queue.describe(jobIds) : new Map<string, JobState>();
  for (const trial of endedByReport) {
    const job = jobs.get(trial.jobId!);
    if (job && !['SUCCEEDED', 'FAILED', 'UNKNOWN'].includes(job.status)) await queue.terminate(trial.jobId!, `its trial is ${trial.status}`);
  }
  let changed = false;
  for (const trial of active) {
    const job = trial.jobId ? jobs.get(trial.jobId) : undefined;
    const now = deps.clock().toISOString();
    const { attempt } = trial;
    if (!trial.jobId) {
      await submitTrial(deps, trial);
    } else if (followContainer && job && job.status !== 'UNKNOWN' && trial.status !== 'STALE') {
      // The user's image on Batch: the job's state claims the trial and its output holds the result.
      if (!(await followContainer(search, trial, job))) continue;
    } else if (!job || job.status === 'UNKNOWN' || isSilent(deps, trial)) {
      const { from, to } = TRIAL_TRANSITIONS.loseJob;
      if (!(await store.updateTrial(trial.tenantId, trial.searchId, trial.number, { status: to, updatedAt: now }, { status: from, attempt }))) continue;
      if (job && job.status !== 'UNKNOWN') await queue.terminate(trial.jobId, 'no heartbeat');
      await requeueTrial(deps, { ...trial, status: to }, maxTrialAttempts, job && job.status !== 'UNKNOWN' ? 'stale' : 'lost');
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

/** Whether a running trial's job stopped beating its heart (a hung process, a lost container), or its worker's lease ran out. */
function isSilent(deps: ControllerDeps, trial: TrialRecord): boolean {
  if (trial.status !== 'RUNNING') return false;
  // An external worker chose how long it may stay silent: each report extends its lease.
  if (trial.leaseExpiresAt) return deps.clock().getTime() > Date.parse(trial.leaseExpiresAt);
  const lastSign = Date.parse(trial.heartbeatAt ?? trial.startedAt ?? trial.updatedAt);
  return deps.clock().getTime() - lastSign > (deps.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000;
}

/**
 * Resubmits a STALE trial as its next attempt (the old attempt can no longer write its result), or fails
 * it once it has taken `budget.maxTrialAttempts` containers; either way the closed attempt is recorded, so
 * spend and the attempt count include it.
 */
async function requeueTrial(deps: ControllerDeps, trial: TrialRecord, maxTrialAttempts: number, why: 'stale' | 'lost'): Promise<void> {
  const now = deps.clock();
  const pastAttempts = withClosedAttempt(trial, why, now);
  const verdict = attemptVerdict(trial, maxTrialAttempts, why);
  if (!verdict.retry) {
    const { from, to } = TRIAL_TRANSITIONS.failJob;
    const patch = { status: to, error: verdict.error, pastAttempts, finishedAt: now.toISOString(), updatedAt: now.toISOString() };
    await deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, patch, { status: from.filter((s) => s === 'STALE'), attempt: trial.attempt });
    return;
  }
  const { from, to } = TRIAL_TRANSITIONS.resubmit;
  const next = { ...trial, status: to, attempt: verdict.attempt, pastAttempts };
  const patch = {
    status: next.status,
    attempt: next.attempt,
    pastAttempts,
    jobId: undefined,
    startedAt: undefined,
    heartbeatAt: undefined,
    updatedAt: now.toISOString(),
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

/**
 * Asks the strategy for up to `count` candidates. Warm-started searches see their parents first: with
 * `IdenticalTask` the parents' finished trials lead the history (so they are never measured again), with
 * `TransferLearning` the parents' best architectures not yet tried here are proposed before the strategy
 * is asked. Returned `parents` index into the search's own history.
 */
async function proposeCandidates(
  deps: ControllerDeps,
  search: SearchRecord,
  history: SearchHistory,
  count: number,
): Promise<Proposal<unknown, unknown>> {
  const { space } = history;
  const strategy = getStrategy(search.spec.strategy.name);
  const own = history.entries;
  const warmStart = search.spec.warmStart;
  if (warmStart?.type === 'TransferLearning' && own.length < warmStart.seeds) {
    // TransferLearning seeds are a search's first proposals: once that many trials exist, the parents are done with.
    const tried = new Set(own.map((entry) => entry.canonical));
    const seeds = transferSeeds(space, rankedByParent(space, history.inherited), tried, warmStart.seeds);
    if (seeds.length > 0) return { state: search.strategyState, candidates: seeds.slice(0, count) };
  }
  const factor = deps.predictors ? (search.spec.strategy.prescreen?.factor ?? 1) : 1;
  const prior = history.prior;
  const policies = deps.policies ? { policies: deps.policies } : {};
  const { evaluator } = search.spec;
  const proposal = await Promise.resolve()
    .then(async () =>
      strategy.propose({
        space: deps.benchmarks && evaluator.kind === 'benchmark' ? await deps.benchmarks.searchSpace(evaluator.benchmark, space) : space,
        params: search.spec.strategy.params,
        state: search.strategyState,
        history: prior.length > 0 ? [...prior, ...own] : own,
        proposed: history.proposed,
        count: count * factor,
        ...policies,
      }),
    )
    .catch((error: unknown) => {
      throw new StrategyFailure(`strategy '${strategy.name}' failed: ${error instanceof Error ? error.message : String(error)}`);
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

/** Lineage of a candidate derived from the trial at `history.entries[index]`: its number and the edit, in the space's words. */
function parentOf(history: SearchHistory, candidate: unknown, index: number | undefined): TrialParent | undefined {
  const entry = index === undefined ? undefined : history.entries[index];
  const trialNumber = index === undefined ? undefined : history.trialNumberAt(index);
  if (!entry || trialNumber === undefined) return undefined;
  return { trialNumber, change: describeEdit(history.space, entry.arch, candidate) ?? 'mutation' };
}

/**
 * The proposal's candidates as new PENDING trials numbered after the search's `trialCount`, each
 * architecture once: those the search already has (`history.hashes`) or proposed twice are skipped.
 */
function newTrials(
  deps: ControllerDeps,
  search: SearchRecord,
  history: SearchHistory,
  proposal: Proposal<unknown, unknown>,
  trialCount: number,
  startOffsetSeconds: number,
): TrialRecord[] {
  const { space } = history;
  const known = new Set<string>();
  const trials: TrialRecord[] = [];
  for (const [i, candidate] of proposal.candidates.entries()) {
    const hash = archHash(space.canonical(candidate));
    if (history.hashes.has(hash) || known.has(hash)) continue;
    known.add(hash);
    const parent = parentOf(history, candidate, proposal.parents?.[i]);
    const now = deps.clock().toISOString();
    trials.push({
      tenantId: search.tenantId,
      searchId: search.id,
      number: trialCount + trials.length + 1,
      status: INITIAL_TRIAL_STATUS,
      arch: space.format(candidate),
      archHash: hash,
      attempt: 1,
      startOffsetSeconds,
      ...(parent ? { parent } : {}),
      createdAt: now,
      updatedAt: now,
    });
  }
  return trials;
}

/**
 * Writes new trials that run as jobs, and submits them. The architecture guard is written first: should
 * we crash before the trial, the architecture is merely skipped, never evaluated twice; a trial written
 * before a crash (or a lost race) is adopted by the next tick (`readOpenTrials`).
 */
async function createTrials(deps: ControllerDeps, search: SearchRecord, fresh: readonly TrialRecord[]): Promise<TrialRecord[]> {
  const { store } = deps;
  const created: TrialRecord[] = [];
  let number = (fresh[0]?.number ?? 1) - 1;
  for (const candidate of fresh) {
    if (!(await store.claimArchitecture(search.tenantId, search.id, candidate.archHash, number + 1))) continue;
    const trial = { ...candidate, number: ++number };
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
  histories: SearchHistories,
  search: SearchRecord,
  aggregates: SearchAggregates,
  transition: Extract<SearchTransitionName, 'succeed' | 'fail' | 'finishStop'>,
  reason: CompletionReason,
  message?: string,
): Promise<SearchRecord> {
  const now = deps.clock().toISOString();
  const finished = await save(deps, histories, search, aggregates, (record) => ({
    ...moveSearch(record, transition),
    costUsd: searchSpentUsd(search, aggregates.ledger, deps.clock()),
    reason,
    ...(message === undefined ? {} : { message }),
    updatedAt: now,
    finishedAt: now,
  }));
  if (aggregates.ledger.batch.length > 0) await deps.store.putTrials(aggregates.ledger.batch);
  histories.forget(search);
  // Only once the finished state is saved: a release lost to a crash here is found by the next create
  // that finds the quota full (src/usecases/search-quota.ts).
  await deps.store.releaseSlot(search.tenantId, 'searches', search.id);
  return finished;
}
