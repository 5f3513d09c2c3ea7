import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB client settings from the environment: `NAS_DYNAMODB_ENDPOINT` points the real SDK at the
 * embedded dynalite (which accepts any credentials); without it the SDK's default AWS chain applies.
 */
export function dynamoClientConfig(env: NodeJS.ProcessEnv = process.env): DynamoDBClientConfig {
  const endpoint = env.NAS_DYNAMODB_ENDPOINT;
  if (!endpoint) return {};
  return {
    endpoint,
    region: env.AWS_REGION || 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  };
}
