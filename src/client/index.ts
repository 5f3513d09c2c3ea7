/**
 * The TypeScript SDK of serverless-nas, imported as `serverless-nas/client` (docs/sdk.md): a client typed
 * from the API itself, its errors, pagination, the `runWorker` loop for searches you train yourself, and
 * `containerTrial` for the code of a `container` search reporting over HTTP.
 */
export { createClient, NasClient, type ClientOptions, type FetchFunction, type TypedApi } from './client.js';
export { ApiError, ServiceUnreachable, type FieldError } from './errors.js';
export { collect, items, pages, type Page, type PageFetcher } from './pages.js';
export { DEFAULT_BACKOFF, type Backoff } from './backoff.js';
export { LeaseLost, TrialStopped } from './lease-keeper.js';
export type { ClaimOutcome, ClaimRequest, Metrics, TrialClaim, TrialCompletion, TrialDecision, TrialReport, TrialReportAnswer } from './trial-leases.js';
export { runWorker, type TrainFunction, type TrainingContext, type WorkerOptions, type WorkerSummary } from './worker.js';
export { containerTrial, type ContainerTrial } from './container-trial.js';
