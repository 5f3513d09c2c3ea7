import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { MessagePortRequestHandler } from './message-port-handler.js';

/**
 * Endpoints answered by a dynalite in this very process (`startEmbeddedDynamoDb`), with the request handler
 * that reaches it over a message port instead of loopback TCP.
 */
const inProcessEndpoints = new Map<string, MessagePortRequestHandler>();

/** Lets clients of `endpoint` made in this process reach it through `handler`; returns the undo. */
export function answerInProcess(endpoint: string, handler: MessagePortRequestHandler): () => void {
  inProcessEndpoints.set(endpoint, handler);
  return () => {
    if (inProcessEndpoints.get(endpoint) === handler) inProcessEndpoints.delete(endpoint);
  };
}

type AuthScheme = NonNullable<DynamoDBClientConfig['httpAuthSchemes']>[number];

/** dynalite accepts any credentials. */
const LOCAL_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly expiration?: Date } = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
};

/**
 * SigV4 for the dynalite of this process, without the signature: dynalite checks that a request carries an
 * `Authorization` header of SigV4's shape and an `X-Amz-Date`, never the signature itself (it has no keys to
 * check it with), and the request never leaves the process. Computing it (a SHA-256 of every body and four
 * HMACs) was a fifth of the SDK's CPU per call there. Every other client, the cloud's included, signs.
 */
const UNSIGNED_SIGV4: AuthScheme = {
  schemeId: 'aws.auth#sigv4',
  identityProvider: () => async () => LOCAL_CREDENTIALS,
  signer: {
    async sign(request) {
      request.headers['x-amz-date'] = '20000101T000000Z';
      request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned';
      return request;
    },
  },
};

/**
 * DynamoDB client settings from the environment: `NAS_DYNAMODB_ENDPOINT` points the real SDK at the
 * embedded dynalite (which accepts any credentials); without it the SDK's default AWS chain applies.
 * Where that dynalite runs in this process, the SDK's requests reach it over a message port
 * (`MessagePortRequestHandler`), unsigned (`UNSIGNED_SIGV4`); other processes use its HTTP endpoint.
 */
export function dynamoClientConfig(env: NodeJS.ProcessEnv = process.env): DynamoDBClientConfig {
  const endpoint = env.NAS_DYNAMODB_ENDPOINT;
  if (!endpoint) return {};
  const inProcess = inProcessEndpoints.get(endpoint);
  return {
    endpoint,
    region: env.AWS_REGION || 'local',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 5,
    ...(inProcess ? { requestHandler: inProcess, httpAuthSchemes: [UNSIGNED_SIGV4] } : {}),
  };
}
