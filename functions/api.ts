import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../src/api/app.js';
import { problemResponse } from '../src/api/problem.js';
import { openTableShelf, s3BucketsOf } from '../src/artifacts/open-artifact-store.js';
import type { ApiDeps } from '../src/api/deps.js';
import { readConfig, tenantLimits } from '../src/config.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import { PredictorService } from '../src/predictors/predictor-service.js';
import { shippedPolicies } from '../src/local/shipped-policies.js';
import { PolicyRegistry } from '../src/strategies/rl/policy-registry.js';
import { EventBridgeEvents, type EventBridgeApi } from '../src/events/eventbridge-events.js';
import type { Events } from '../src/events/events.js';
import { openSharedData } from '../src/aws/tenant-isolation.js';

/**
 * The events of an API running without an event bus (no `NAS_EVENT_BUS`, e.g. the function invoked on
 * its own): nothing would act on them, so each is written as one structured log line rather than dropped.
 */
export const logEvents: Events = {
  publish(event) {
    console.log(JSON.stringify({ message: 'search event published', event }));
  },
};

/** API dependencies whose events may still be in flight when a request is answered. */
export interface LambdaApiDeps extends ApiDeps {
  readonly events: Events & { flush?(): Promise<void> };
}

/**
 * The API's dependencies from the function's environment: `NAS_TABLE` names the DynamoDB table,
 * `NAS_EVENT_BUS` the EventBridge bus the controller listens on, `NAS_ARTIFACTS` and `NAS_TABLES` where
 * artifacts and imported tables are kept, `NAS_CONTAINER_TRIALS=batch` that container searches are accepted (`NAS_SERVICE_ACCOUNT` the account whose images must be the caller's own), `NAS_TENANT_ROLE_ARN` the role whose per-tenant credentials
 * reach tenants' records and artifacts. `clients` replaces AWS clients in tests.
 */
export function createLambdaDeps(env: NodeJS.ProcessEnv = process.env, clients: { eventBridge?: EventBridgeApi } = {}): LambdaApiDeps {
  const tableName = env.NAS_TABLE;
  if (!tableName) throw new Error('NAS_TABLE must name the DynamoDB table');
  const eventBusName = env.NAS_EVENT_BUS;
  const config = readConfig(env);
  const { store, artifacts } = openSharedData({ tableName, artifacts: env.NAS_ARTIFACTS }, env);
  const clock = () => new Date();
  return {
    store,
    events: eventBusName ? new EventBridgeEvents({ client: clients.eventBridge ?? new EventBridgeClient({}), eventBusName }) : logEvents,
    benchmarks: new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables)),
    clock,
    limits: tenantLimits(config),
    credentialCacheSeconds: config.credentialCacheSeconds,
    searchCacheSeconds: config.searchCacheSeconds,
    ...(artifacts ? { artifacts, predictors: new PredictorService({ store, artifacts, clock }) } : {}),
    // The registries the controller hands the rl strategy (functions/controller.ts), to refuse a missing policy at creation.
    policies: [...(artifacts ? [new PolicyRegistry(artifacts)] : []), shippedPolicies()],
    // No operator folder of datasets in the cloud: tenants upload theirs or register their own buckets.
    datasets: { serviceBuckets: s3BucketsOf(env.NAS_ARTIFACTS, env.NAS_TABLES) },
    // The user's image on AWS Batch, where the stack was deployed with container trials (cdk/container-jobs.ts).
    ...(env.NAS_CONTAINER_TRIALS === 'batch' ? { containerTrials: 'batch' as const } : {}),
    // The stack's account (cdk/nas-stack.ts): images of its ECR must be under the caller's tenants/<tenant>/.
    ...(env.NAS_SERVICE_ACCOUNT ? { serviceAccount: env.NAS_SERVICE_ACCOUNT } : {}),
  };
}

/** An API Gateway REST API proxy event (payload format 1.0): what the API's integration sends. */
export type RestApiEvent = Extract<LambdaEvent, { resource: string }>;

/**
 * What API Gateway reads ahead of a streamed body: the status and the headers. A REST API takes several
 * values of one header (every Set-Cookie) from `multiValueHeaders` only; `headers` holds one per name.
 */
export interface ResponsePrelude {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
}

/** A handler whose response Lambda streams to API Gateway (`InvokeWithResponseStream`). */
export type StreamingHandler = (event: RestApiEvent, responseStream: Writable, context?: LambdaContext) => Promise<void>;

declare global {
  /**
   * Provided by the Lambda Node.js runtime, not by a module: `streamifyResponse` marks the exported
   * handler as streaming, and `HttpResponseStream.from` sends the prelude, then 8 zero bytes, before the
   * first body byte.
   */
  var awslambda: {
    streamifyResponse(handler: StreamingHandler): StreamingHandler;
    HttpResponseStream: { from(stream: Writable, prelude: ResponsePrelude): Writable };
  };
}

/** One structured log line per request, beside the stage's access log: the app's view, with its path. */
export type RequestLog = (line: { message: 'request'; requestId: string; method: string; path: string; status: number; ms: number }) => void;

/**
 * The Request the app is asked, at the path the client sent (`requestContext.path`): on the execute-api
 * host that begins with the stage, named after the app's `/v1` routes; on the API's own domain it is
 * the path as sent. (`event.path` leaves the stage out.) Browsers' cookies arrive as a `Cookie` header.
 */
function toRequest(event: RestApiEvent): Request {
  const headers = new Headers();
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) for (const value of values) headers.append(name, value);
  const query = new URLSearchParams(Object.entries(event.multiValueQueryStringParameters ?? {}).flatMap(([name, values]) => values.map((value): [string, string] => [name, value])));
  // Concatenated rather than resolved, so that a path beginning `//` cannot name another host.
  const url = new URL(`https://${event.requestContext.domainName}${event.requestContext.path}`);
  url.search = query.toString();
  const body = event.body === null ? null : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  return new Request(url, { method: event.httpMethod, headers, body });
}

/** The prelude of `response`: Set-Cookie values apart, as `multiValueHeaders`. */
function responsePrelude(response: Response): ResponsePrelude {
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'set-cookie'));
  const cookies = response.headers.getSetCookie();
  return { statusCode: response.status, headers, ...(cookies.length > 0 ? { multiValueHeaders: { 'set-cookie': cookies } } : {}) };
}

/**
 * The app's answer to `event`. A request the fetch API refuses to build (a GET with a body, a header
 * value beyond Latin-1) is the client's error, not the function's.
 */
async function answer(app: ReturnType<typeof createApp>, event: RestApiEvent): Promise<Response> {
  let request: Request;
  try {
    request = toRequest(event);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return problemResponse({ type: '/problems/invalid-request', title: 'Invalid request', status: 400, detail: error.message, errors: [{ field: 'request', message: error.message }] });
  }
  return app.fetch(request);
}

/**
 * The HTTP API as a Lambda handler that streams its responses through API Gateway, so that server-sent
 * events reach the client as they happen and large bodies are not capped at a buffered response's size.
 *
 * Before a response goes out, the request's events are put: a frozen Lambda would otherwise hold them.
 * `ms` in the request log is the time to the response's headers (an event stream goes on after them).
 */
export function createApiHandler(deps: LambdaApiDeps, log: RequestLog = (line) => console.log(JSON.stringify(line))): StreamingHandler {
  const app = createApp(deps);
  return async (event, responseStream) => {
    const started = Date.now();
    const response = await answer(app, event);
    await deps.events.flush?.();
    const { requestId, path } = event.requestContext;
    log({ message: 'request', requestId, method: event.httpMethod, path, status: response.status, ms: Date.now() - started });

    const body = awslambda.HttpResponseStream.from(responseStream, responsePrelude(response));
    // The runtime sends the prelude with the first write: an empty one sends it for a response without a body.
    body.write('');
    if (response.body) await pipeline(response.body, body);
    else body.end();
  };
}

let apiHandler: StreamingHandler | undefined;

/**
 * The Lambda entry point, marked as streaming at import (the runtime reads the mark when it loads the
 * module). The app is built on the first invocation rather than at import, so that importing this module
 * (tests, bundling checks) reaches for neither the environment nor AWS; warm invocations reuse it.
 */
export const handler = awslambda.streamifyResponse((event, responseStream, context) => {
  apiHandler ??= createApiHandler(createLambdaDeps());
  return apiHandler(event, responseStream, context);
});
