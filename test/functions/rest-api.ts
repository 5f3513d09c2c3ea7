import { Writable } from 'node:stream';
import { API_STAGE } from '../../cdk/api.js';
import type { ResponsePrelude, RestApiEvent, StreamingHandler } from '../../functions/api.js';

export const API_ID = 'a1b2c3d4e5';
/** The REST API's own host, where every path begins with the stage. */
export const EXECUTE_API_HOST = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;
/** A custom domain mapped at its root (`ApiProps.domain`): paths arrive as sent. */
export const CUSTOM_DOMAIN = 'nas.example.com';

export interface RestApiRequest {
  readonly body?: unknown;
  readonly apiKey?: string;
  readonly headers?: Record<string, string>;
  /** @default EXECUTE_API_HOST */
  readonly host?: string;
}

/**
 * The event API Gateway sends a REST API's Lambda proxy integration (payload format 1.0) for a request
 * to `https://<host><pathAndQuery>`, as AWS documents it, for the API's `{proxy+}` and root resources:
 * headers as the client sent them (names keep their case) in `headers` and `multiValueHeaders`, the
 * resource path in `path` (without the stage), the path as sent in `requestContext.path`.
 */
export function restApiEvent(method: string, pathAndQuery: string, request: RestApiRequest = {}): RestApiEvent {
  const [sentPath = '/', rawQuery = ''] = pathAndQuery.split('?');
  const host = request.host ?? EXECUTE_API_HOST;
  let path = sentPath;
  if (host === EXECUTE_API_HOST) {
    if (sentPath !== `/${API_STAGE}` && !sentPath.startsWith(`/${API_STAGE}/`)) {
      throw new Error(`API Gateway answers ${sentPath} itself (403): on ${EXECUTE_API_HOST} every path begins with the stage /${API_STAGE}`);
    }
    path = sentPath.slice(API_STAGE.length + 1) || '/';
  }
  const { body, apiKey } = request;
  const headers: Record<string, string> = {
    Host: host,
    'User-Agent': 'vitest',
    'X-Amzn-Trace-Id': 'Root=1-692c9a40-1a2b3c4d5e6f708192a3b4c5',
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` }),
    ...request.headers,
  };
  const query = new URLSearchParams(rawQuery);
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of query) (multiValueQuery[name] ??= []).push(value);
  const resource = path === '/' ? '/' : '/{proxy+}';
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: rawQuery ? Object.fromEntries(query) : null,
    multiValueQueryStringParameters: rawQuery ? multiValueQuery : null,
    pathParameters: path === '/' ? null : { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourceId: 'x9y8z7',
      resourcePath: resource,
      httpMethod: method,
      extendedRequestId: 'Jd2LRgqiliAEMSA=',
      requestTime: '30/Nov/2025:19:30:00 +0000',
      path: sentPath,
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: API_STAGE,
      domainPrefix: host.split('.')[0]!,
      requestTimeEpoch: 1_764_531_000_000,
      requestId: 'c2a4f6e8-0b1d-4f3a-9c5e-7d9b1a3c5e7f',
      identity: { sourceIp: '203.0.113.7', userAgent: 'vitest', accessKey: null, accountId: null, caller: null, user: null, userArn: null },
      domainName: host,
      deploymentId: 'dep123',
      apiId: API_ID,
    },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    // hono types the REST event with null-free maps and an authorizer, neither of which API Gateway sends here.
  } as unknown as RestApiEvent;
}

/** A streamed response: what went ahead of the body, and the body. */
export interface StreamedResponse extends ResponsePrelude {
  readonly body: string;
}

/** Splits what a streaming handler wrote into its prelude (JSON up to 8 zero bytes) and its body. */
export function parseStreamedResponse(bytes: Uint8Array): StreamedResponse {
  const end = bytes.indexOf(0);
  if (end < 0 || bytes.slice(end, end + 8).some((byte) => byte !== 0)) throw new Error('the response has no prelude');
  const prelude = JSON.parse(new TextDecoder().decode(bytes.slice(0, end))) as ResponsePrelude;
  return { ...prelude, body: new TextDecoder().decode(bytes.slice(end + 8)) };
}

/** The response stream Lambda hands a streaming handler, keeping each chunk with the time it arrived. */
export class RecordingResponseStream extends Writable {
  readonly chunks: { readonly at: number; readonly bytes: Uint8Array }[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push({ at: Date.now(), bytes: new Uint8Array(chunk) });
    done();
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks.map((chunk) => chunk.bytes)));
  }

  /** The body so far (after the prelude). */
  body(): string {
    return parseStreamedResponse(this.bytes()).body;
  }
}

/** Invokes a streaming handler and waits for the whole response. */
export async function invokeStreaming(handler: StreamingHandler, event: RestApiEvent): Promise<StreamedResponse> {
  const stream = new RecordingResponseStream();
  await handler(event, stream);
  return parseStreamedResponse(stream.bytes());
}
