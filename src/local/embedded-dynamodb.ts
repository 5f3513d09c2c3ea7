import type { AddressInfo } from 'node:net';
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
import { claimDataFolder } from './data-folder.js';

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` (see `dynamoClientConfig`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB implementation on LevelDB) on a loopback port, persisting under
 * `<dataDir>/dynamodb`, and creates the service's table if it is missing. The service then talks to it
 * with the real AWS SDK, exactly as it talks to DynamoDB in the cloud.
 *
 * The data folder is claimed and checked first (`claimDataFolder`): a new folder starts empty; a
 * damaged one, or one another process holds, is refused with `DataFolderUnusable` and never reaches dynalite.
 */
export async function startEmbeddedDynamoDb(dataDir: string, tableName: string): Promise<EmbeddedDynamoDb> {
  const folder = await claimDataFolder(dataDir);
  const server = dynalite({ path: folder.storePath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await folder.release();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await ensureTable(endpoint, tableName);
    return { endpoint, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function ensureTable(endpoint: string, tableName: string): Promise<void> {
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
}
