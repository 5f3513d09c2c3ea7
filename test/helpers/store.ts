import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/local/embedded-dynamodb.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';

export interface TestStore {
  readonly store: DynamoDbStore;
  readonly dynamo: EmbeddedDynamoDb;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** A real dynalite on a temporary folder with the service's table, and the real DynamoDB store on it. */
export async function startTestStore(): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nas-test-'));
  const dynamo = await startEmbeddedDynamoDb(dataDir, 'nas');
  const store = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }) });
  return {
    store,
    dynamo,
    dataDir,
    async close() {
      await dynamo.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
