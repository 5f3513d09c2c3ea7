import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single DynamoDB table's key design, shared by the store adapter, the embedded dynalite and the CDK
 * stack so that all three always agree.
 *
 * | item                | pk            | sk              |
 * | ------------------- | ------------- | --------------- |
 * | search              | TENANT#<t>    | SEARCH#<id>     |
 * | trial               | SEARCH#<id>   | TRIAL#<000042>  |
 * | architecture guard  | SEARCH#<id>   | HASH#<hash>     |
 * | idempotency key     | TENANT#<t>    | IDEMPOTENCY#<k> |
 * | API key             | APIKEY#<hash> | APIKEY          |
 * | tenant's key index  | TENANT#<t>    | APIKEY#<hash>   |
 *
 * A request finds its key by hash (`APIKEY#<hash>`); the index entry under the tenant lets an operator
 * list and revoke a tenant's keys without a scan.
 *
 * The `ActiveSearches` index is sparse: only searches that are not finished carry `activePk`, so the
 * periodic sweep reads exactly the searches it has to tick.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const ACTIVE_SEARCHES_INDEX = { name: 'ActiveSearches', partitionKey: 'activePk', sortKey: 'sk', projection: 'KEYS_ONLY' } as const;
export const ACTIVE_PARTITION = 'ACTIVE';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      { AttributeName: ACTIVE_SEARCHES_INDEX.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVE_SEARCHES_INDEX.name,
        KeySchema: [
          { AttributeName: ACTIVE_SEARCHES_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: ACTIVE_SEARCHES_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: ACTIVE_SEARCHES_INDEX.projection },
      },
    ],
  };
}
