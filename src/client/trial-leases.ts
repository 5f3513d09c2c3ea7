import type { ClaimedTrial, ClaimRequest, ReportAnswer, TrialCompletion, TrialReport } from '../api/routes/external-trials.js';

/**
 * The bodies of the external-trial routes (src/api/routes/external-trials.ts, docs/sdk.md#the-http-protocol):
 * a worker claims a trial under a lease, reports intermediate metrics (each report renews the lease) and
 * completes it.
 */
export type { ClaimRequest, TrialCompletion, TrialReport };

/** A trial leased to this worker: train `arch`, then report and complete under `leaseId`. */
export type TrialClaim = ClaimedTrial;

/** Metric values by name, as a search's `external` evaluator declares them. */
export type Metrics = TrialReport['metrics'];

/** `'wait'`: nothing to claim now, try again later; `'finished'`: the search is over. */
export type ClaimOutcome = TrialClaim | 'wait' | 'finished';

/** The answer to a report: `'stop'` when early stopping ended the trial there. */
export type TrialReportAnswer = ReportAnswer;
export type TrialDecision = ReportAnswer['decision'];
