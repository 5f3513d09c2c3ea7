import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { dynamoClientConfig } from '../store/client-config.js';
import { createTableInput } from '../store/table.js';

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` (see `dynamoClientConfig`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB implementation on LevelDB) on a loopback port, persisting under
 * `<dataDir>/dynamodb`, and creates the service's table if it is missing. The service then talks to it
 * with the real AWS SDK, exactly as it talks to DynamoDB in the cloud.
 */
export async function startEmbeddedDynamoDb(dataDir: string, tableName: string): Promise<EmbeddedDynamoDb> {
  const path = join(dataDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: endpoint }));
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
