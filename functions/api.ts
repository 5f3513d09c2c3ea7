import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../src/api/app.js';
import { openArtifactStore } from '../src/artifacts/open-artifact-store.js';
import type { ApiDeps } from '../src/api/deps.js';
import { readConfig } from '../src/config.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import { EventBridgeEvents, type EventBridgeApi } from '../src/events/eventbridge-events.js';
import type { Events } from '../src/events/events.js';
import { dynamoClientConfig } from '../src/store/client-config.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';

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
 * `NAS_EVENT_BUS` the EventBridge bus the controller listens on. `clients` replaces AWS clients in tests.
 */
export function createLambdaDeps(env: NodeJS.ProcessEnv = process.env, clients: { eventBridge?: EventBridgeApi } = {}): LambdaApiDeps {
  const tableName = env.NAS_TABLE;
  if (!tableName) throw new Error('NAS_TABLE must name the DynamoDB table');
  const eventBusName = env.NAS_EVENT_BUS;
  return {
    store: new DynamoDbStore({ tableName, client: dynamoClientConfig(env) }),
    events: eventBusName ? new EventBridgeEvents({ client: clients.eventBridge ?? new EventBridgeClient({}), eventBusName }) : logEvents,
    benchmarks: new BenchmarkCatalog(readConfig(env).benchmarksDir),
    clock: () => new Date(),
    ...(env.NAS_ARTIFACTS ? { artifacts: openArtifactStore(env.NAS_ARTIFACTS) } : {}),
  };
}

/**
 * The HTTP API as a Lambda handler for API Gateway (HTTP API v2, REST v1), ALB and function URLs. It
 * waits for the request's events to be put before returning: a frozen Lambda would otherwise hold them.
 */
export function createApiHandler(deps: LambdaApiDeps) {
  const app = handle(createApp(deps));
  return async <E extends LambdaEvent>(event: E, context?: LambdaContext) => {
    try {
      return await app(event, context);
    } finally {
      await deps.events.flush?.();
    }
  };
}

let apiHandler: ReturnType<typeof createApiHandler> | undefined;

/**
 * The Lambda entry point. Built on the first invocation rather than at import, so that importing this
 * module (tests, bundling checks) reaches for neither the environment nor AWS; warm invocations reuse it.
 */
export const handler = <E extends LambdaEvent>(event: E, context?: LambdaContext) => {
  apiHandler ??= createApiHandler(createLambdaDeps());
  return apiHandler(event, context);
};
