import type { LambdaEvent } from 'hono/aws-lambda';

/** An API Gateway HTTP API (payload format 2.0) event for the `$default` route, as the Lambda receives it. */
export function httpApiEvent(method: string, pathAndQuery: string, body?: unknown, apiKey?: string) {
  const [rawPath = '/', rawQueryString = ''] = pathAndQuery.split('?');
  const domainName = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: domainName,
      'user-agent': 'vitest',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authentication: null,
      authorizer: {},
      domainName,
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: 'Jd2LRgqiliAEMSA=',
      routeKey: '$default',
      stage: '$default',
      time: '23/Nov/2025:19:30:00 +0000',
      timeEpoch: 1_763_926_200_000,
    },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
  } satisfies LambdaEvent;
}
