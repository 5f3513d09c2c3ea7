import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../src/api/app.js';
import type { ApiDeps } from '../src/api/deps.js';
import { readConfig } from '../src/config.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import type { Events } from '../src/events/events.js';
import { dynamoClientConfig } from '../src/store/client-config.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';

/**
 * Stands in for the EventBridge adapter, which arrives with the deployment issue together with the
 * controller Lambda it triggers. Until then nothing in the cloud acts on an event, so each one is
 * written as one structured log line rather than dropped silently.
 */
export const logEvents: Events = {
  publish(event) {
    console.log(JSON.stringify({ message: 'search event published', event }));
  },
};

/** The API's dependencies from the function's environment: `NAS_TABLE` names the DynamoDB table. */
export function createLambdaDeps(env: NodeJS.ProcessEnv = process.env): ApiDeps {
  const tableName = env.NAS_TABLE;
  if (!tableName) throw new Error('NAS_TABLE must name the DynamoDB table');
  return {
    store: new DynamoDbStore({ tableName, client: dynamoClientConfig(env) }),
    events: logEvents,
    benchmarks: new BenchmarkCatalog(readConfig(env).benchmarksDir),
    clock: () => new Date(),
  };
}

/** The HTTP API as a Lambda handler for API Gateway (HTTP API v2, REST v1), ALB and function URLs. */
export function createApiHandler(deps: ApiDeps) {
  return handle(createApp(deps));
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
