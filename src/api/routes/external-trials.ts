import { createRoute, z } from '@hono/zod-openapi';
import { ObjectiveSchema } from '../../search/spec.js';
import { claimTrial } from '../../usecases/claim-trial.js';
import { completeTrial } from '../../usecases/complete-trial.js';
import { reportTrial } from '../../usecases/report-trial.js';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from '../../usecases/trial-leases.js';
import type { ApiDeps } from '../deps.js';
import { problemResponse, problemResponses, ProblemSchema } from '../problem.js';
import { jsonContent, newRouter, SearchIdParamSchema, TrialParamsSchema } from '../router.js';
import { toTrialView, TrialViewSchema } from '../views.js';

/**
 * Ask/tell for the user's own workers (evaluator `{"kind": "external"}`): a worker claims a trial, reports
 * intermediate metrics under its lease (each report renews it and may stop the trial early), and completes
 * it. A `container` trial's code reports and completes the same way, with the lease and trial token its
 * environment holds (`NAS_LEASE_ID`, `NAS_TRIAL_TOKEN`). docs/training.md shows the protocol with curl; the
 * SDK (src/client) is typed from these schemas.
 */

const MetricValuesSchema = z.record(z.string().min(1).max(100), z.number()).openapi({ example: { val_acc: 0.91 } });
const LeaseIdSchema = z.string().min(1).max(100).openapi({ description: 'The lease the claim returned' });

export const ClaimRequestSchema = z
  .strictObject({
    workerId: z.string().min(1).max(200).optional().openapi({ description: 'How the worker names itself (shown on the trial)', example: 'gpu-box-3' }),
    leaseSeconds: z
      .int()
      .min(MIN_LEASE_SECONDS)
      .max(MAX_LEASE_SECONDS)
      .optional()
      .openapi({ description: 'How long the lease lasts without a report; each report extends it by as much (default 300)' }),
  })
  .openapi('ClaimRequest');

export const ClaimedTrialSchema = z
  .object({
    searchId: z.string(),
    trialNumber: z.int(),
    attempt: z.int().openapi({ description: '1, or more when an earlier lease of this trial ran out' }),
    arch: z.string().openapi({ description: "The architecture to train, in the space's string form" }),
    archHash: z.string(),
    leaseId: z.string().openapi({ description: 'Present it on every report and on the completion' }),
    leaseExpiresAt: z.string().openapi({ description: 'Past it without a report, the trial goes to another worker' }),
    metrics: z.array(z.string()).openapi({ description: 'The metrics the search declares (evaluator.metrics)' }),
    objectives: z.array(ObjectiveSchema),
  })
  .openapi('ClaimedTrial');

export const TrialReportSchema = z
  .strictObject({
    leaseId: LeaseIdSchema,
    step: z.int().min(0).max(1_000_000_000).openapi({ description: 'Epoch or step the metrics were measured at: early stopping compares trials at equal steps' }),
    metrics: MetricValuesSchema.openapi({ description: 'Declared metrics at this step; {} only renews the lease' }),
  })
  .openapi('TrialReport');

export const ReportAnswerSchema = z
  .object({
    decision: z.enum(['continue', 'stop']).openapi({ description: 'stop: the early-stopping rule ended the trial (EARLY_STOPPED); drop it and claim the next' }),
    leaseExpiresAt: z.string().optional().openapi({ description: "When the lease now runs out; absent for a container trial's, which lasts as long as its job" }),
    reason: z.string().optional().openapi({ description: 'Why the rule stopped the trial' }),
  })
  .openapi('ReportAnswer');

export const TrialCompletionSchema = z
  .discriminatedUnion('status', [
    z.strictObject({
      leaseId: LeaseIdSchema,
      status: z.literal('SUCCEEDED').optional(),
      metrics: MetricValuesSchema.openapi({ description: "Declared metrics; every objective's among them" }),
    }),
    z.strictObject({ leaseId: LeaseIdSchema, status: z.literal('FAILED'), reason: z.string().min(1).max(2000).openapi({ description: 'Why training failed, shown on the trial' }) }),
  ])
  .openapi('TrialCompletion');

export type ClaimRequest = z.infer<typeof ClaimRequestSchema>;
export type ClaimedTrial = z.infer<typeof ClaimedTrialSchema>;
export type TrialReport = z.infer<typeof TrialReportSchema>;
export type ReportAnswer = z.infer<typeof ReportAnswerSchema>;
export type TrialCompletion = z.infer<typeof TrialCompletionSchema>;

const searchFinished = { description: 'The search is finished or stopping: no trial will come', content: { 'application/problem+json': { schema: ProblemSchema } } };
const staleLease = { description: "Not an external or container search, or the lease no longer holds the trial (expired, revoked, another attempt's): nothing changed", content: problemResponses[409].content };

const claim = createRoute({
  method: 'post',
  path: '/v1/searches/{id}/claims',
  summary: 'Claim a trial to train (external workers)',
  request: { params: SearchIdParamSchema, body: { required: false, content: { 'application/json': { schema: ClaimRequestSchema } } } },
  responses: {
    201: jsonContent(ClaimedTrialSchema, 'A trial, now RUNNING under your lease'),
    204: { description: 'No trial is waiting now (all are held): ask again later' },
    400: problemResponses[400],
    404: problemResponses[404],
    409: { ...problemResponses[409], description: 'The search is not evaluated by external workers' },
    410: searchFinished,
  },
});

const report = createRoute({
  method: 'post',
  path: '/v1/searches/{id}/trials/{number}/reports',
  summary: "Report a trial's intermediate metrics; renews the lease and may stop the trial early (external workers, container trials)",
  description: "Authorised by the tenant's API key, or by the trial's own token (a container trial's `NAS_TRIAL_TOKEN`), which reaches this trial's reports and completion only.",
  request: { params: TrialParamsSchema, body: { required: true, content: { 'application/json': { schema: TrialReportSchema } } } },
  responses: { 200: jsonContent(ReportAnswerSchema, 'Whether to go on'), 400: problemResponses[400], 404: problemResponses[404], 409: staleLease },
});

const complete = createRoute({
  method: 'post',
  path: '/v1/searches/{id}/trials/{number}/complete',
  summary: "Record a trial's final metrics, or that it failed (external workers, container trials)",
  description: "Authorised by the tenant's API key, or by the trial's own token (a container trial's `NAS_TRIAL_TOKEN`).",
  request: { params: TrialParamsSchema, body: { required: true, content: { 'application/json': { schema: TrialCompletionSchema } } } },
  responses: { 200: jsonContent(TrialViewSchema, 'The trial as recorded'), 400: problemResponses[400], 404: problemResponses[404], 409: staleLease },
});

export function externalTrialRoutes(deps: ApiDeps) {
  return newRouter()
    .openapi(claim, async (c) => {
      const { id } = c.req.valid('param');
      const claimed = await claimTrial(deps, c.get('tenantId'), id, c.req.valid('json'));
      if (claimed.outcome === 'none') return c.body(null, 204);
      if (claimed.outcome === 'finished') {
        const { status, reason } = claimed.search;
        const detail = `search ${id} is ${status}${reason ? ` (${reason})` : ''}: no trial will come`;
        return problemResponse({ type: '/problems/search-finished', title: 'Search finished', status: 410, detail });
      }
      const { trial, evaluator, search } = claimed;
      const body = {
        searchId: id,
        trialNumber: trial.number,
        attempt: trial.attempt,
        arch: trial.arch,
        archHash: trial.archHash,
        leaseId: trial.leaseId,
        leaseExpiresAt: trial.leaseExpiresAt,
        metrics: evaluator.metrics,
        objectives: search.spec.objectives,
      };
      return c.json(body, 201, { location: `/v1/searches/${id}/trials/${trial.number}` });
    })
    .openapi(report, async (c) => {
      const { id, number } = c.req.valid('param');
      return c.json(await reportTrial(deps, c.get('tenantId'), id, number, c.req.valid('json')), 200);
    })
    .openapi(complete, async (c) => {
      const { id, number } = c.req.valid('param');
      return c.json(toTrialView(await completeTrial(deps, c.get('tenantId'), id, number, c.req.valid('json'))), 200);
    });
}
